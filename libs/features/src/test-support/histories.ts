/**
 * Test support: turns loaded tables into what the serving API receives, one raw application record plus its raw
 * side-table rows (in file order), so tests can compare transformOne with the batch path.
 */
import type { HomeCreditTables } from '@credit-scoring/data';
import type { ApplicantHistory, RawApplication, RawRow } from '../pipeline';

type SideKey = Exclude<keyof HomeCreditTables, 'application'>;
const PER_APPLICANT: SideKey[] = [
  'bureau',
  'previous_application',
  'POS_CASH_balance',
  'installments_payments',
  'credit_card_balance',
];

export interface HistoryIndex {
  applications: RawApplication[];
  historyOf(id: number): ApplicantHistory;
}

function groupBy(rows: RawRow[], key: string): Map<number, RawRow[]> {
  const out = new Map<number, RawRow[]>();
  for (const row of rows) {
    const k = Number(row[key]);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

export function indexHistories(tables: HomeCreditTables): HistoryIndex {
  const applications = tables.application.toRecords() as RawApplication[];
  const byTable = new Map<SideKey, Map<number, RawRow[]>>();
  for (const t of PER_APPLICANT) {
    const table = tables[t];
    if (table) byTable.set(t, groupBy(table.toRecords() as RawRow[], 'SK_ID_CURR'));
  }
  const balanceByCredit = tables.bureau_balance
    ? groupBy(tables.bureau_balance.toRecords() as RawRow[], 'SK_ID_BUREAU')
    : new Map<number, RawRow[]>();
  return {
    applications,
    historyOf(id: number): ApplicantHistory {
      const history: ApplicantHistory = {};
      for (const [t, rows] of byTable) {
        const mine = rows.get(id);
        if (mine) history[t] = mine;
      }
      if (history.bureau) {
        const balance = history.bureau.flatMap((b) => balanceByCredit.get(Number(b.SK_ID_BUREAU)) ?? []);
        if (balance.length) history.bureau_balance = balance;
      }
      return history;
    },
  };
}
