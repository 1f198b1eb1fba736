// Ingestion API v1 (placeholder until the feature lands): JSON errors for everything.
import express, { Router } from 'express';
import type { AppContext } from '../http/context';
import { sendJsonError } from '../http/errors';

export function apiRouter(_ctx: AppContext): Router {
  const router = Router();
  router.use(express.json({ limit: '5mb' }));
  router.use((_req, res) => sendJsonError(res, 404, 'not_found', 'No such API endpoint.'));
  return router;
}
