// Preloaded into every Node process a test run starts (NODE_OPTIONS, set by global-setup.ts). Plain
// JavaScript on purpose: processes the tests run on an older Node (the consumer project and the
// engines check run /usr/bin/node 20, which cannot load .ts) start unhindered and record nothing;
// Node with type stripping loads the recorder (record.ts).
if (process.features.typescript) await import('./record.ts');
