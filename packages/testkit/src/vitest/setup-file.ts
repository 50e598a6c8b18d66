import { quietKafkajsTimerWarning } from '../quiet-kafkajs-warning.ts';

quietKafkajsTimerWarning();
