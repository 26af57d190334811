#!/usr/bin/env node
// The aks-vending command's entry: the Node version check, then the command itself (cli/run.ts). Only
// this: ES modules evaluate every static import before their own code, and the command's imports fail on
// an old Node with errors that do not say which Node to install.
import { requireSupportedNode } from "../shared/runtime/node-version.js";

requireSupportedNode("aks-vending");
await import("./run.js");
