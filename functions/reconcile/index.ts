export {
  reconcile,
  diffRows,
  sourceTotals,
  warehouseTotals,
  type Reconciliation,
  type Totals,
  type TableDiff,
} from './reconcile';
export { warehouseCurrentSql, sourceRowsSql, warehouseRowsSql } from './canonical';
