import type { CommandSpec } from '../command';
import { datasetsDownloadCommand, datasetsInfoCommand } from './datasets';
import { evaluateCommand } from './evaluate';
import { plotCommand } from './plot';
import { reportCommand } from './report';
import { reproduceCommand } from './reproduce';
import { spiralCommand } from './spiral';
import { trainCommand } from './train';

/** Every `neural-ode` command, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  trainCommand,
  evaluateCommand,
  spiralCommand,
  plotCommand,
  reportCommand,
  reproduceCommand,
  datasetsDownloadCommand,
  datasetsInfoCommand,
];

/** Summaries of command groups (`neural-ode datasets ...`). */
export const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  datasets: 'Download datasets and describe them.',
};
