/**
 * A ready-made vitest globalSetup: `globalSetup: ['redkit/vitest/global-setup']`.
 * One RedKit for the whole run; its URL in inject('redkitUrl') and REDIS_URL.
 */
import { redkitGlobalSetup } from './vitest.js';

export default redkitGlobalSetup();
