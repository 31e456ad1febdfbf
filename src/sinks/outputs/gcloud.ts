import { field } from '../../config/field.js';
import * as p from '../../config/parsers.js';
import { describeSink } from '../descriptor.js';

/** `-o gcloud`: each record published to a Google Cloud Pub/Sub topic (gcloud.ts). */
export const gcloudOutput = describeSink({
  summary: 'publish each record to Google Cloud Pub/Sub (--gcp-project, --gcp-topic)',
  remote: true,
  fields: {
    gcpProject: field<string | null>({
      option: 'gcpProject',
      flag: '--gcp-project',
      arg: '<id>',
      help: 'Google Cloud project ID (GCP_PROJECT_ID)',
      env: 'GCP_PROJECT_ID',
      default: null,
      parse: p.nonEmpty,
      ask: { prompt: 'Google Cloud project ID' },
    }),
    gcpTopic: field<string | null>({
      option: 'gcpTopic',
      flag: '--gcp-topic',
      arg: '<name>',
      help: 'Google Cloud Pub/Sub topic name (GCP_TOPIC_NAME)',
      env: 'GCP_TOPIC_NAME',
      default: null,
      parse: p.nonEmpty,
      ask: { prompt: 'Pub/Sub topic name', default: 'hems-data' },
    }),
  },
  requires: [
    { field: 'gcpProject', what: 'a project' },
    { field: 'gcpTopic', what: 'a topic' },
  ],
  async load() {
    const { createPubSubSink } = await import('../gcloud.js');
    return (config) => createPubSubSink({ projectId: config.gcpProject ?? '', topic: config.gcpTopic ?? '' });
  },
});
