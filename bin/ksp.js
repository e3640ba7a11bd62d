#!/usr/bin/env node
// The `ksp` command: runs the compiled CLI (`npm run build` produces dist/).
require('../dist/cli/main.js')
  .main(process.argv.slice(2), process.env)
  .then((code) => {
    process.exitCode = code;
  });
