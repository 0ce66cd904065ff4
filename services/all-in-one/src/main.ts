import { runServiceProcess } from '@cairn/platform';
import { allInOneProcess } from './all-in-one.js';

await runServiceProcess(allInOneProcess);
