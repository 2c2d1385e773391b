// The load tester service that rollout webhooks call (Flagger's loadtester API).
export { startLoadTester, createLoadTester, type LoadTesterOptions, type RunningLoadTester, type LoadTester } from './server.js';
export { parseHeyArgs, type HeyOptions } from './hey-options.js';
export { runLoad, summarize, type LoadResult } from './load-generator.js';
export { planTask, type TaskPlan } from './task-plan.js';
export { splitWords } from './command-words.js';
