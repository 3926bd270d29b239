// undici's pool module on its own (gateway/src/proxy.ts); its class is the one the package index exports.
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
