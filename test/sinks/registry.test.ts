import { describe, expect, it } from 'vitest';
import { checkValue, configFields, formatShell } from '../../src/cli/config-fields.js';
import type { Field } from '../../src/config/field.js';
import { FIELD_OUTPUT, FIELDS, resolveConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import type { AnySinkDescriptor } from '../../src/sinks/descriptor.js';
import { OUTPUT_NAMES, OUTPUTS } from '../../src/sinks/registry.js';

const fields = Object.entries(FIELDS as Record<string, Field<unknown>>);

describe('the sink registry', () => {
  it('gives every setting its own environment variable, and every option one declaration', () => {
    const envs = fields.flatMap(([, f]) => (f.env ? [f.env] : []));
    expect(new Set(envs).size).toBe(envs.length);
    // -f feeds both the stdout and the file format: one option, declared (given help) once.
    const declared = fields.filter(([, f]) => f.help !== undefined);
    for (const attr of ['flag', 'short'] as const) {
      const names = declared.flatMap(([, f]) => (f[attr] ? [f[attr]] : []));
      expect(new Set(names).size, attr).toBe(names.length);
    }
  });

  it("names each setting's output, and asks only about outputs' settings", () => {
    for (const name of OUTPUT_NAMES) {
      for (const key of Object.keys(OUTPUTS[name].fields)) expect(FIELD_OUTPUT[key]).toBe(name);
    }
    for (const [key, f] of fields) if (f.ask) expect(FIELD_OUTPUT[key], key).not.toBeNull();
  });

  it('builds each output as it describes it (remote or local), loading its code on demand', async () => {
    const r = resolveConfig({
      options: { output: [...OUTPUT_NAMES] },
      env: {
        B_ROUTE_ID: '0123456789ABCDEF0123456789ABCDEF',
        B_ROUTE_PASSWORD: 'PASSWORD1234',
        WEBHOOK_URL: 'http://127.0.0.1:9/hook',
        GCP_PROJECT_ID: 'p',
        GCP_TOPIC_NAME: 't',
        MQTT_URL: 'mqtt://127.0.0.1:9',
      },
    });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    for (const name of OUTPUT_NAMES) {
      const make = await (OUTPUTS[name] as AnySinkDescriptor).load();
      const sink = await make(r.config, { logger: silentLogger, cost: null });
      expect([sink.name, sink.remote]).toEqual([name, OUTPUTS[name].remote]);
      await sink.stop();
    }
  });

  it('tells the installer the outputs, the questions and every key (config-fields)', () => {
    const c = configFields();
    expect(c.outputs.map((o) => o.name)).toEqual(OUTPUT_NAMES);
    const webhookUrl = c.fields.find((f) => f.env === 'WEBHOOK_URL');
    expect(webhookUrl).toMatchObject({ output: 'webhook', required: true, ask: { prompt: 'Webhook URL' } });
    expect(c.fields.find((f) => f.env === 'MQTT_PASSWORD')).toMatchObject({ secret: true, ask: null });
    const shell = formatShell(c).split('\n');
    expect(shell).toContain('field\tGCP_TOPIC_NAME\tgcloud\tplain\trequired\tPub/Sub topic name\thems-data');
    expect(shell).toContain('field\tWEBHOOK_SECRET\twebhook\tsecret\toptional\t-\t-');
    // Every line has all its columns, so a shell's read cannot shift them.
    for (const line of shell.filter(Boolean)) expect(line.split('\t').every((c) => c !== '')).toBe(true);
  });

  it("checks one value with the collector's own parser, never echoing a refused secret", () => {
    expect(checkValue('WEBHOOK_URL', 'https://example.com/h')).toBeNull();
    expect(checkValue('MQTT_URL', 'ws://broker')).toBe('must be an mqtt:// or mqtts:// URL');
    expect(checkValue('WEBHOOK_TOKEN', 'tok\nen')).toBe('contains a line break (value not shown)');
    expect(() => checkValue('NO_SUCH_KEY', 'x')).toThrow(/unknown setting NO_SUCH_KEY/);
  });
});
