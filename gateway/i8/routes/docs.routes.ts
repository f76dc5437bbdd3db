import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import { repoRoot } from '../../config/config.js';

export const I8_SPEC_FILE = path.join(repoRoot, 'openapi', 'i8.yaml');

// The reference page is swagger-ui from node_modules, served by us: no CDN, works offline.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>I8 API reference</title>
<link rel="stylesheet" href="/i8/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/i8/docs/assets/swagger-ui-bundle.js"></script>
<script src="/i8/docs/init.js"></script></body></html>`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/i8/openapi.yaml', dom_id: '#ui', deepLinking: true });`;

/** GET /i8/openapi.yaml (the contract itself) and /i8/docs (rendered reference). */
export function docsRoutes(): express.Router {
  const router = express.Router();
  const spec = readFileSync(I8_SPEC_FILE, 'utf8');
  const assets = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  router.get('/i8/openapi.yaml', (_req, res) => res.type('application/yaml').send(spec));
  router.get('/i8/docs', (_req, res) => res.type('html').set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'").send(PAGE));
  router.get('/i8/docs/init.js', (_req, res) => res.type('application/javascript').send(INIT));
  router.use('/i8/docs/assets', express.static(assets, { index: false, fallthrough: false }));
  return router;
}
