export { reconcile, sourceTotals, warehouseTotals, type Reconciliation, type Totals } from './reconcile';
