/**
 * `/broker/settings` of the control API: the broker's per-community deadline and consumer
 * profiles, read and changed while it runs (the broker reads them once per request).
 *
 * | route | answer |
 * |---|---|
 * | `GET /broker/settings` | 200 `{ deadlineMs, consumers }` (profiles by homeCommunityId) |
 * | `PUT /broker/settings` | 200 the new settings; body: both fields |
 * | `PATCH /broker/settings` | 200 the new settings; body: the fields to change |
 * | (either, refused) | 400 `{ error: 'invalid broker settings', problems }`, nothing changed |
 *
 * Profiles may name communities by name or homeCommunityId; answers give homeCommunityIds.
 */
import express, { type Router } from 'express';
import type { Logger } from '../shared/logger.js';
import {
  parseBrokerSettings,
  type BrokerSettingsStore,
  type BrokerSettingsValue,
  type SettingsCommunity,
} from './broker-settings.js';
import { readJsonBody, sendError } from './json-http.js';
import { BROKER_SETTINGS_PATH } from './broker-settings-path.js';

/** The error of every refused change. */
const INVALID_BROKER_SETTINGS = 'invalid broker settings';
/** Largest body, bytes (64 KiB: hundreds of consumer profiles). */
const MAX_BODY_BYTES = 64 * 1024;

/** `GET`/`PUT`/`PATCH /broker/settings` over `store`; `communities` are read on every change. */
export function brokerSettingsRoutes(
  store: BrokerSettingsStore,
  communities: () => readonly SettingsCommunity[],
  logger: Logger,
): Router {
  const r = express.Router();
  r.get(BROKER_SETTINGS_PATH, (_req, res) => {
    const body: BrokerSettingsValue = store.current();
    res.json(body);
  });
  for (const method of ['put', 'patch'] as const) {
    r[method](BROKER_SETTINGS_PATH, express.raw({ type: () => true, limit: MAX_BODY_BYTES }), (req, res) => {
      const json = readJsonBody(req);
      if (!json.ok) return sendError(res, 400, INVALID_BROKER_SETTINGS, json.problems);
      const parsed = parseBrokerSettings(json.value, {
        partial: method === 'patch',
        current: store.current(),
        communities: communities(),
      });
      if (!parsed.ok) return sendError(res, 400, INVALID_BROKER_SETTINGS, parsed.problems);
      store.set(parsed.settings);
      logger.info({ settings: parsed.settings }, 'control API: broker settings changed');
      res.json(store.current());
    });
  }
  return r;
}
