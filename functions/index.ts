// Entry point of the Functions app (package.json "main"): importing a module registers its functions.
import "./openapi.js";
import "./health.js";
import "./not-found.js";
import "./clusters.js";
import "../orchestrations/index.js";
