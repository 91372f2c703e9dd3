import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, within } from '@solidjs/testing-library';
import { renderWithApp } from '../testing/render-app';
import type { ReconciliationReport } from '../graphql/operations';
import { ReconciliationView } from './reconciliation';

const report = (id: string, findings: ReconciliationReport['findings']): ReconciliationReport => ({
  id,
  reason: 'scheduled',
  status: 'completed',
  error: null,
  startedAt: 1_700_000_000_000,
  finishedAt: 1_700_000_000_050,
  durationMs: 50,
  orphaned: 0,
  missing: 0,
  statusMismatches: findings.length,
  fillMismatches: 0,
  corrected: findings.length,
  unresolved: 0,
  findings,
});

const mismatch = {
  kind: 'STATUS_MISMATCH',
  severity: 'warning',
  venue: 'sim',
  clientOrderId: 'ord-7',
  detail: 'OMS says NEW, venue says CANCELED',
  action: 'journal',
  resolution: 'applied',
  resolutionReason: null,
  before: { status: 'NEW', quantity: '1', filledQuantity: '0', price: '100' },
  after: { status: 'CANCELED', quantity: '1', filledQuantity: '0', price: '100' },
};

describe('ReconciliationView', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => cleanup());

  it('shows each finding with before and after', async () => {
    renderWithApp(() => <ReconciliationView />, {
      ReconciliationReports: { reconciliationReports: [report('r1', [mismatch])] },
    });
    expect(await screen.findByText('OMS says NEW, venue says CANCELED')).toBeTruthy();
    const finding = screen.getByText('OMS says NEW, venue says CANCELED').closest('li')!;
    expect(within(finding).getByText('Before (OMS)').nextElementSibling?.textContent).toBe('New · 0/1 @ 100');
    expect(within(finding).getByText('After (venue)').nextElementSibling?.textContent).toBe(
      'Canceled · 0/1 @ 100',
    );
  });

  it('"Run now" runs a reconciliation and refreshes the reports', async () => {
    let reports = [report('r1', [])];
    const t = renderWithApp(() => <ReconciliationView />, {
      ReconciliationReports: () => ({ reconciliationReports: reports }),
      RunReconciliation: () => {
        reports = [report('r2', [mismatch]), ...reports];
        return {
          runReconciliation: { __typename: 'RunReconciliationSuccess', message: 'done', report: reports[0] },
        };
      },
    });
    expect(await screen.findByText('0 findings')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect(await screen.findByText('Reconciliation finished')).toBeTruthy();
    expect(await screen.findByText('1 finding')).toBeTruthy();
    expect(t.executed.filter((n) => n === 'ReconciliationReports').length).toBeGreaterThanOrEqual(2);
  });
});
