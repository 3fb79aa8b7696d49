import { createHash } from 'node:crypto';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel reads from the dashboard's `datasource` variable (chosen at import). */
export const datasource = { type: 'prometheus', uid: '${datasource}' };

/** UIDs are derived from the title, never hand-typed (stable across regenerations). */
export function uidOf(title: string): string {
  return `textback-${createHash('sha256').update(title).digest('hex').slice(0, 10)}`;
}

export function query(expr: string, legend: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().expr(expr).legendFormat(legend).datasource(datasource);
}

export function graph(
  title: string,
  unit: string,
  ...queries: prometheus.DataqueryBuilder[]
): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .unit(unit)
    .datasource(datasource)
    .height(8)
    .span(12)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
  for (const q of queries) panel.withTarget(q);
  return panel;
}

export function single(title: string, unit: string, expr: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .unit(unit)
    .datasource(datasource)
    .height(4)
    .span(6)
    .withTarget(query(expr, title));
}

export function newDashboard(title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uidOf(title))
    .description(description)
    .tags(['textback'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'),
    );
}

export { dashboard };
