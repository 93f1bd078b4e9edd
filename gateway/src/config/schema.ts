/**
 * The gateway's settings, declared once on the settings engine (`common/settings/`): the loader, the validation
 * messages, `--help` and the README tables are derived from them. The declarations live by section in
 * `settings/`; their order here is the order of `--help`. Precedence: command-line flag > environment variable >
 * default.
 */
import { defineSettings } from '../../../common/settings/index.js';
import { DELIVERY_SETTINGS, FIREHOSE_SETTINGS, KINESIS_SETTINGS, LOCAL_SETTINGS } from './settings/aws.js';
import { BRIDGE_SETTINGS } from './settings/bridge.js';
import { GENERAL_SETTINGS, HTTP_SETTINGS, MQTT_SETTINGS } from './settings/general.js';
import { LIMIT_SETTINGS, SECURITY_SETTINGS } from './settings/security.js';

export const SETTINGS = defineSettings({
  ...GENERAL_SETTINGS,
  ...MQTT_SETTINGS,
  ...HTTP_SETTINGS,
  ...KINESIS_SETTINGS,
  ...FIREHOSE_SETTINGS,
  ...LOCAL_SETTINGS,
  ...BRIDGE_SETTINGS,
  ...DELIVERY_SETTINGS,
  ...SECURITY_SETTINGS,
  ...LIMIT_SETTINGS,
});

export type SettingKey = keyof typeof SETTINGS;
