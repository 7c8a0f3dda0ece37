import { describeBuildStoreContract } from '../contracts/build-store.contract.js';
import { createMemoryBuildStore } from './memory-build-store.js';

describeBuildStoreContract('KyselyBuildStore on SQLite :memory:', createMemoryBuildStore);
