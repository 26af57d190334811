#!/usr/bin/env node
// `npm start`'s entry: the Node version check, then the local stack (emulators/stack-main.ts). Only this:
// ES modules evaluate every static import before their own code, and the stack's imports fail on an old
// Node with errors that do not say which Node to install.
import { requireSupportedNode } from "../shared/runtime/node-version.js";

requireSupportedNode("npm start (aks-vending local stack)");
await import("./stack-main.js");
