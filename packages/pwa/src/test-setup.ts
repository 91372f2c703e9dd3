import { configure } from '@solidjs/testing-library';

// findBy*/waitFor give up after 1 s by default: too short for a first jsdom render while CI runs
// every package's tests at once on 2 cores. A deadline, not a sleep: they return as soon as it appears.
configure({ asyncUtilTimeout: 10_000 });
