import { runEnsureTopics } from '@cairn/platform';

// `cairn ensure-topics`: creates the Kafka topics of every Cairn event before the services start.
await runEnsureTopics();
