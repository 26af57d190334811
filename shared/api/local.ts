// The API's URL on a local stack started with the default ports (npm start: the Functions host on
// 7071): the CLI's default API, and what npm start compares with to decide whether the commands it
// prints need --api.
export const LOCAL_API_URL = "http://127.0.0.1:7071/api";
