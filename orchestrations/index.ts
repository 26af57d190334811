// Registers the orchestrators and activities with durable-functions 3.x. Importing this module is
// what makes them exist in the Functions app (functions/index.ts imports it).
import * as df from "durable-functions";
import { register } from "./registry.js";

register(df.app);
