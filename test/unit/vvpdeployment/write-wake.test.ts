import t from 'tap';
import { wakeDelay } from '../../../apiserver/vvpdeployment/flows/write-wake.js';

t.test('the first write wakes the watch poll at once', async (t) => {
  t.equal(wakeDelay(1_000, undefined, 250), 0);
});

t.test('a write within the window of the last wake-up waits for the window to end; one after it wakes at once', async (t) => {
  t.equal(wakeDelay(1_100, 1_000, 250), 150, 'the rest of the window');
  t.equal(wakeDelay(1_249, 1_000, 250), 1);
  t.equal(wakeDelay(1_250, 1_000, 250), 0, 'the window is over');
  t.equal(wakeDelay(5_000, 1_000, 250), 0);
});

t.test('without a window (no watch poll interval) every write wakes the poll at once', async (t) => {
  t.equal(wakeDelay(1_000, 1_000, 0), 0);
});
