import express from 'express';
import { stringify } from 'csv-stringify/sync';
import type { PeriodKind } from '../../domain/outages/report-periods.js';
import { interruptionReport, voltageQualityReport, type ReportSettings } from '../../use-cases/regulator-reports.use-case.js';
import { callerOf, requireScope } from '../i8-auth.js';
import { scopedMeters } from '../data-scope.js';
import { badRequest } from '../i8-error.js';
import { recordRead, type I8Deps } from '../i8-deps.js';
import { CONTENT_TYPE, negotiate } from '../formats/negotiate.js';
import { listParam, oneParam, windowParams } from '../request-params.js';

/** GET /i8/reports/interruptions and /i8/reports/voltage-quality, over the caller's data scope. */
export function reportRoutes(deps: I8Deps): express.Router {
  const router = express.Router();
  const settings = (): ReportSettings => ({ ...deps.config.i8.reports, timeZone: deps.config.i8.timeZone });
  const periodOf = (v: string | undefined): PeriodKind => {
    const p = v ?? 'month';
    if (p !== 'day' && p !== 'month' && p !== 'all') throw badRequest('period is day, month or all');
    return p;
  };

  router.get('/i8/reports/interruptions', requireScope('reports:read'), async (req, res) => {
    const format = negotiate(req, ['json', 'csv']);
    const { from, to } = windowParams(req, true) as { from: number; to: number };
    const period = periodOf(oneParam(req, 'period'));
    const scope = await scopedMeters(callerOf(res).visibility, { meters: [], usagePoints: [] }, deps);
    const customers = new Set([...scope.usagePointOf].map(([m, up]) => up ?? m));
    const report = await interruptionReport(deps.interruptions, {
      ...(scope.unrestricted ? {} : { meters: new Set(scope.meters) }), ...(scope.periods ? { periods: scope.periods } : {}),
      usagePointOf: (m) => scope.usagePointOf.get(m), customersServed: customers.size,
    }, { from, to, period }, settings());
    await recordRead(deps, res, 'i8/reports/interruptions', { from: report.from, to: report.to, period }, report.periods.length);
    res.type(CONTENT_TYPE[format]);
    if (format === 'csv') return res.send(stringify(report.periods.map((p) => ({ ...p, customersServed: report.customersServed })), { header: true }));
    res.send(JSON.stringify(report));
  });

  router.get('/i8/reports/voltage-quality', requireScope('reports:read'), async (req, res) => {
    const format = negotiate(req, ['json', 'csv']);
    const { from, to } = windowParams(req, true) as { from: number; to: number };
    const period = periodOf(oneParam(req, 'period'));
    const scope = await scopedMeters(callerOf(res).visibility, { meters: listParam(req, 'meter'), usagePoints: [] }, deps);
    const report = await voltageQualityReport(deps.readings, scope.meters, { from, to, period }, settings(), scope.periods);
    await recordRead(deps, res, 'i8/reports/voltage-quality', { meters: listParam(req, 'meter'), from: report.from, to: report.to, period }, report.rows.length);
    res.type(CONTENT_TYPE[format]);
    if (format === 'csv') return res.send(stringify(report.rows, { header: true }));
    res.send(JSON.stringify(report));
  });
  return router;
}
