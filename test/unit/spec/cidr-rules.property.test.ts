// Property-based tests of the address-planning rules: random valid plans pass; any overlap is caught.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { validateClusterSpec } from "../../../shared/spec/index.js";
import { intToIPv4, overlaps, parseCidr, type Cidr } from "../../../shared/network/cidr.js";

const block = (first: number, prefix: number): string => {
  const size = 2 ** (32 - prefix);
  return `${intToIPv4(Math.floor(first / size) * size)}/${prefix}`;
};
const cidr = (text: string): Cidr => {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(text);
  return p.cidr;
};
const base10 = 10 * 2 ** 24;
const base192 = (192 * 256 + 168) * 2 ** 16;

/** A valid overlay plan: VNet inside 10/8, subnet inside it, services and pods in 192.168/16. */
const validPlan = fc
  .record({
    vnetPrefix: fc.integer({ min: 8, max: 16 }),
    vnetOffset: fc.integer({ min: 0, max: 2 ** 24 - 1 }),
    subnetExtra: fc.integer({ min: 0, max: 8 }),
    subnetOffset: fc.nat(),
    servicePrefix: fc.integer({ min: 18, max: 24 }),
    dnsOffset: fc.integer({ min: 2, max: 200 }),
    nodes: fc.integer({ min: 1, max: 10 }),
  })
  .map((r) => {
    const vnet = block(base10 + r.vnetOffset, r.vnetPrefix);
    const v = cidr(vnet);
    const subnetPrefix = Math.min(r.vnetPrefix + r.subnetExtra, 24);
    const subnet = block(v.first + (r.subnetOffset % v.size), subnetPrefix);
    const service = block(base192, r.servicePrefix);
    const s = cidr(service);
    // Pods in the upper half of 192.168/16, services in the lower half: never overlapping.
    const pod = block(base192 + 2 ** 15, 17);
    return {
      doc: {
        name: "prop",
        team: "t",
        nodePool: { count: r.nodes },
        network: {
          vnetAddressSpace: vnet,
          subnetPrefix: subnet,
          serviceCidr: service,
          dnsServiceIp: intToIPv4(s.first + (r.dnsOffset % (s.size - 3)) + 2),
          podCidr: pod,
        },
      },
      subnet: cidr(subnet),
      service: s,
    };
  });

function codes(doc: unknown): string[] {
  const r = validateClusterSpec(doc);
  return r.ok ? [] : r.errors.map((e) => e.code);
}

describe("address planning properties", () => {
  test("random valid plans are accepted", () => {
    fc.assert(
      fc.property(validPlan, ({ doc }) => {
        assert.deepEqual(codes(doc), []);
      }),
      { numRuns: 300 },
    );
  });

  test("a service CIDR overlapping the subnet is always caught", () => {
    fc.assert(
      fc.property(validPlan, fc.nat(), fc.integer({ min: 12, max: 28 }), ({ doc, subnet }, at, prefix) => {
        const serviceCidr = block(subnet.first + (at % subnet.size), prefix);
        const network = {
          ...doc.network,
          serviceCidr,
          dnsServiceIp: intToIPv4(cidr(serviceCidr).first + 10),
        };
        assert.ok(codes({ ...doc, network }).includes("ServiceCidrOverlapExistingSubnetsCidr"), serviceCidr);
      }),
      { numRuns: 300 },
    );
  });

  test("a pod CIDR overlapping the subnet or the service CIDR is always caught", () => {
    fc.assert(
      fc.property(
        validPlan,
        fc.nat(),
        fc.integer({ min: 8, max: 24 }),
        fc.boolean(),
        ({ doc, subnet, service }, at, prefix, intoSubnet) => {
          const target = intoSubnet ? subnet : service;
          const podCidr = block(target.first + (at % target.size), prefix);
          const found = codes({ ...doc, network: { ...doc.network, podCidr } });
          const expected = [];
          if (overlaps(cidr(podCidr), subnet)) expected.push("PodCidrOverlapsSubnet");
          if (overlaps(cidr(podCidr), service)) expected.push("PodCidrOverlapsServiceCidr");
          assert.ok(expected.length > 0);
          for (const code of expected)
            assert.ok(found.includes(code), `${podCidr}: expected ${code} in ${found}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a subnet outside its VNet is always caught", () => {
    fc.assert(
      fc.property(validPlan, fc.integer({ min: 16, max: 28 }), ({ doc }, prefix) => {
        // 11.0.0.0/8 never meets a VNet inside 10.0.0.0/8.
        const subnetPrefix = block(11 * 2 ** 24, prefix);
        assert.ok(codes({ ...doc, network: { ...doc.network, subnetPrefix } }).includes("SubnetNotInVnet"));
      }),
    );
  });

  test("any range touching a reserved range is caught", () => {
    const reserved = ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"].map(cidr);
    fc.assert(
      fc.property(
        validPlan,
        fc.constantFrom(...reserved),
        fc.nat(),
        fc.integer({ min: 16, max: 28 }),
        ({ doc }, r, at, prefix) => {
          const podCidr = block(r.first + (at % r.size), Math.max(prefix, r.prefix - 2));
          assert.ok(
            codes({ ...doc, network: { ...doc.network, podCidr } }).includes("ReservedRangeOverlap"),
            podCidr,
          );
        },
      ),
    );
  });

  test("overlap is symmetric and agrees with address-by-address comparison", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 24, max: 32 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 24, max: 32 }),
        (a, pa, b, pb) => {
          const x = cidr(block(base10 + a, pa));
          const y = cidr(block(base10 + b, pb));
          let shared = false;
          for (let i = x.first; i <= x.last && !shared; i++) shared = i >= y.first && i <= y.last;
          assert.equal(overlaps(x, y), shared);
          assert.equal(overlaps(y, x), shared);
        },
      ),
    );
  });
});
