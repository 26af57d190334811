// Backstage's own checks of a catalog entity, as its catalog runs them on what it ingests: the
// default entity policies (namespace, field formats of names/labels/annotations/tags, no foreign root
// fields, the envelope schema) and the kind's published schema (Resource v1alpha1).
import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  resourceEntityV1alpha1Validator,
  type Entity,
} from "@backstage/catalog-model";

const policies = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** Throws Backstage's error when the catalog would refuse `entity` as a Resource. */
export async function assertBackstageResource(entity: unknown): Promise<void> {
  const accepted = await policies.enforce(structuredClone(entity) as Entity);
  if (!accepted) throw new Error("the catalog's policies dropped the entity");
  if (!(await resourceEntityV1alpha1Validator.check(entity as Entity)))
    throw new Error("not a backstage.io/v1alpha1 Resource");
}
