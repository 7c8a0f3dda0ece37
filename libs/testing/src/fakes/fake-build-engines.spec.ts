import { describeBuildEnginesContract } from '../contracts/build-engines.contract.js';
import { FakeBuildEngines } from './fake-build-engines.js';

describeBuildEnginesContract('FakeBuildEngines', async (maxEngines) => new FakeBuildEngines(maxEngines));
