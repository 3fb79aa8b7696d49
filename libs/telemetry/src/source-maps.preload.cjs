/**
 * Loaded with `--require` first, before @swc-node/register: stack traces name our TypeScript's
 * lines through Node's own source maps (swc-node inlines one in each file it compiles, and
 * keeps none of its own when it finds Node's on), and node_modules' maps are left alone.
 * `--enable-source-maps` would also load and keep every node_modules map (~30 MB of heap a
 * service); swc-node's fallback (source-map-support) maps each stack in JavaScript, ~5× slower
 * per stack — paid on every error logged, and a burst logs many.
 */
require('node:module').setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
