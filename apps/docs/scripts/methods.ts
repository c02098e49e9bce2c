// The solver table of the "Choosing a solver" guide, from odeint's own method registry (`METHOD_INFO`).
import { tableCell } from './markdown';

/** The fields of odeint's `MethodInfo` the table shows. */
interface MethodInfoLike {
  name: string;
  description: string;
  order: number;
  embeddedOrder?: number;
  stages: number;
  evaluationsPerStep: number;
  adaptive: boolean;
  fsal: boolean;
  interpolation: string;
}

const interpolationText: Record<string, string> = {
  hermite: 'cubic Hermite',
  quartic: '4th-order (quartic fit)',
  weights: "the method's own continuous extension",
};

/** Markdown for the method table, or an honest note when odeint exports no registry. */
export function methodsPage(odeint: Record<string, unknown> | undefined): string {
  const info = odeint?.METHOD_INFO as MethodInfoLike[] | undefined;
  if (!Array.isArray(info) || info.length === 0) {
    return '::: warning Not generated\nThis build could not read `METHOD_INFO` from `@neural-ode/odeint`, so the method table is missing.\n:::\n';
  }
  const rows = info.map((m) => {
    const order = m.adaptive && m.embeddedOrder !== undefined ? `${m.order}(${m.embeddedOrder})` : String(m.order);
    return `| \`${m.name}\` | ${order} | ${m.stages} | ${m.evaluationsPerStep}${m.fsal ? ' (FSAL)' : ''} | ${m.adaptive ? 'yes' : 'no'} | ${interpolationText[m.interpolation] ?? m.interpolation} | ${tableCell(m.description)} |`;
  });
  return [
    '| Method | Order | Stages | Evaluations / step | Adaptive | Dense output | |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `*Generated from \`METHOD_INFO\` in \`@neural-ode/odeint\` (${info.length} methods). Order p(q): the solution is order p, the embedded error estimate order q.*`,
    '',
  ].join('\n');
}
