// TypeScript with "module": "commonjs" (node10 resolution, no exports map) still finds the
// types through the top-level `types` fallback of the published manifests.
import type { EventDefinition, KbusError } from '@kbus/core';
import type { Publisher } from '@kbus/publisher';

export type Seen = [KbusError, EventDefinition, Publisher];
