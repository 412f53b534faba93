/** undici's Pool module, imported by path (src/adapters/http/pool.ts); undici types only its entry. */
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
