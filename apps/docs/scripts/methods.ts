// The solver table of the "Choosing a solver" guide, from odeint's own method registry (`METHOD_INFO`).
import type { MethodInfo } from '@neural-ode/odeint';
import { tableCell } from './markdown';

const interpolationText: Record<string, string> = {
  hermite: 'cubic Hermite',
  quartic: '4th-order (quartic fit)',
  weights: 'its own continuous extension',
  'backward-differences': 'the backward-difference polynomial (BDF)',
  'extra-stages': 'continuous extension with extra stages (evaluated only in steps an output falls in)',
};

/** Markdown for the method table, or an honest note when odeint exports no registry. */
export function methodsPage(odeint: Record<string, unknown> | undefined): string {
  const info = odeint?.METHOD_INFO as readonly MethodInfo[] | undefined;
  if (!Array.isArray(info) || info.length === 0) {
    return '::: warning Not generated\nThis build could not read `METHOD_INFO` from `@neural-ode/odeint`, so the method table is missing.\n:::\n';
  }
  const rows = info.map((m) => {
    const order = m.adaptive && m.embeddedOrder !== undefined ? `${m.order}(${m.embeddedOrder})` : String(m.order);
    const evals = m.fsal ? `${m.evaluationsPerStep} (FSAL)` : String(m.evaluationsPerStep);
    const kindText = interpolationText[m.interpolation] ?? m.interpolation;
    const dense = m.interpolationOrder !== undefined ? `${kindText}, order ${m.interpolationOrder}` : kindText;
    // The description sits under the name: a column of its own would make the table too wide to read.
    const kind = m.stiff ? `stiff (${m.family}${m.stability ? `, ${m.stability}` : ''})` : 'explicit';
    return `| \`${m.name}\`<br><small>${tableCell(m.description)}</small> | ${order} | ${m.stages} | ${tableCell(m.costPerStep ?? evals)} | ${m.adaptive ? 'yes' : 'no'} | ${tableCell(kind)} | ${dense} |`;
  });
  return [
    '| Method | Order | Stages | Cost per step | Adaptive | Kind | Dense output |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `*Generated from \`METHOD_INFO\` in \`@neural-ode/odeint\` (${info.length} methods). Order p(q): the solution is order p, the embedded error estimate order q.*`,
    '',
  ].join('\n');
}
