/*
 * `npm install` runs this first (the root `preinstall` script): one line naming the required
 * Node.js version, and exit 1, when the running Node is older than `engines.node` of the root
 * package.json. Plain CommonJS with nothing newer than ES2015, so that any Node that can run npm
 * runs it (the rest of the repository is TypeScript that only Node >= 24.11 can load).
 *
 * npm itself stops earlier, before resolving anything, through `devEngines` (npm >= 10.9); this
 * check is the one line for every npm that does not (older npm, `--force`).
 *
 * Supported ranges: `>=MAJOR[.MINOR[.PATCH]]`, the only form the root package.json uses.
 */
'use strict';

const path = require('path');
const fs = require('fs');

function parts(version) {
  return String(version)
    .replace(/^v/, '')
    .split('.')
    .map((part) => parseInt(part, 10) || 0);
}

function atLeast(actual, required) {
  for (let i = 0; i < 3; i++) {
    const a = actual[i] || 0;
    const r = required[i] || 0;
    if (a !== r) return a > r;
  }
  return true;
}

/** The line to print when `nodeVersion` does not satisfy `range`; empty when it does. */
function check(range, nodeVersion, execPath) {
  const match = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range || '');
  if (!match) return 'cannot check the Node.js version: engines.node "' + range + '" in package.json is not of the form >=MAJOR.MINOR';
  if (atLeast(parts(nodeVersion), parts(match[1]))) return '';
  return (
    'This project needs Node.js ' + match[1] + ' or newer (engines: "' + range + '"); this is Node.js ' + nodeVersion + ' at ' + execPath +
    '. Install Node.js 24 LTS, put it first on PATH, then run npm install again.'
  );
}

module.exports = { check };

if (require.main === module) {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const line = check(manifest.engines && manifest.engines.node, process.version, process.execPath);
  if (line) {
    process.stderr.write(line + '\n');
    process.exit(1);
  }
}
