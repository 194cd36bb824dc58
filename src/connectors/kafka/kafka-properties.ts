import { TidemarkError } from '../../event/tidemark-error.js';
import { SECRET_SETTING_NAMES } from '../../pipeline-spec/option-types.js';

/**
 * `properties.*` options (Flink's Kafka connector convention) are handed to librdkafka as they are
 * written: `properties.bootstrap.servers: a:9092` is librdkafka's `bootstrap.servers`. librdkafka
 * names most settings as the Java client does (`enable.idempotence`, `security.protocol`,
 * `sasl.mechanism`, `ssl.ca.location`, …); where it has no such setting it says so at start-up.
 */
export type KafkaProperties = Readonly<Record<string, string>>;

export function isSecretProperty(name: string): boolean {
  return SECRET_SETTING_NAMES.test(name);
}

/** The properties with secret values replaced, for logs and errors. */
export function redactedProperties(properties: KafkaProperties): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) out[k] = isSecretProperty(k) ? '***' : v;
  return out;
}

/** `bootstrap.servers`, required: a clear error naming the option when it is missing. */
export function bootstrapServers(properties: KafkaProperties | undefined, component: string): string {
  const servers = properties?.['bootstrap.servers']?.trim();
  if (!servers)
    throw new TidemarkError(
      'CONFIG_INVALID',
      `${component}: properties.bootstrap.servers is required (e.g. properties.bootstrap.servers: broker1:9092,broker2:9092)`,
    );
  return servers;
}

/**
 * The client configuration: the user's properties over tidemark's defaults for this client
 * (`base`), except for `fixed` keys, which tidemark must own (e.g. a consumer's
 * `enable.auto.commit: false`, because offsets move only with checkpoints): setting one of those
 * is a clear error rather than a silently ignored option.
 */
export function clientConfig(
  properties: KafkaProperties | undefined,
  base: Readonly<Record<string, string | number | boolean>>,
  fixed: Readonly<Record<string, string | number | boolean>>,
  component: string,
): Record<string, string | number | boolean> {
  const user = properties ?? {};
  for (const k of Object.keys(fixed))
    if (k in user && String(user[k]) !== String(fixed[k]))
      throw new TidemarkError(
        'CONFIG_INVALID',
        `${component}: properties.${k} cannot be set (tidemark sets it to ${String(fixed[k])}: ${FIXED_WHY[k] ?? 'it is part of how tidemark keeps its guarantees'})`,
      );
  return { ...base, ...user, ...fixed };
}

/**
 * The properties tidemark owns that `properties` sets otherwise (`undefined` in `owned`: tidemark
 * sets it, any value is refused): checked with the options, before anything connects.
 */
export function ownedPropertyIssues(
  properties: KafkaProperties | undefined,
  owned: Readonly<Record<string, string | number | boolean | undefined>>,
): { readonly key: string; readonly message: string }[] {
  return Object.entries(owned)
    .filter(([k, v]) => properties?.[k] !== undefined && (v === undefined || properties[k] !== String(v)))
    .map(([k, v]) => ({
      key: k,
      message: `cannot be set (tidemark sets it${v === undefined ? '' : ` to ${String(v)}`}: ${FIXED_WHY[k] ?? 'it is part of how tidemark keeps its guarantees'})`,
    }));
}

const FIXED_WHY: Record<string, string> = {
  'enable.auto.commit': 'offsets move only with tidemark checkpoints',
  'enable.auto.offset.store': 'offsets move only with tidemark checkpoints',
  'transactional.id': 'set from the pipeline name for exactly-once delivery',
  'enable.idempotence': 'exactly-once transactions need it',
};
