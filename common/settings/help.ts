/** `--help` text from the declarations, so the help cannot list a flag the parser does not know, nor a stale default. */
import type { AnySetting, SettingsShape } from './define.js';

export interface HelpLayout {
  /** First line: what the command is. */
  title: string;
  /** Usage line(s), without the leading "Usage: ". */
  usage: string | readonly string[];
  /** Paragraph after the usage (precedence, credentials, …). */
  intro?: readonly string[];
  /** Lines after the settings (exit codes, notes). */
  footer?: readonly string[];
  /** Heading above ungrouped settings when others are grouped; default "Options". */
  heading?: string;
}

/** The flag part of a setting's help line: `-h, --help`, `--mqtt-port <0..65535>`. */
export function flagLabel(s: AnySetting): string {
  const long = `--${s.flag}${s.placeholder === undefined ? '' : ` <${s.placeholder}>`}`;
  return s.short === undefined ? long : `-${s.short}, ${long}`;
}

/** The lines of one setting: flag, environment and default, then the help text (and what it accepts). */
export function settingLines(s: AnySetting): string[] {
  const env = s.env.length === 0 ? [] : [`[env ${s.env.join(', ')}]`];
  const def = s.kind === 'boolean' && s.defaultText === 'off' ? [] : [`(default: ${s.defaultText})`];
  const accepted = s.showAccepted ? ` Accepted: ${s.accepted}.` : '';
  const where = [...env, ...def].join(' ');
  return [`  ${flagLabel(s)}${where === '' ? '' : `   ${where}`}`, `      ${s.help}${accepted}`];
}

/** Setting lines under their section titles, in the order the sections first appear. */
export function settingsLines(settings: SettingsShape, heading = 'Options'): string[] {
  const groups = new Map<string, AnySetting[]>();
  for (const s of Object.values(settings)) {
    const title = s.group ?? heading;
    groups.set(title, [...(groups.get(title) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [title, members] of groups) {
    lines.push('', `${title}:`);
    for (const s of members) lines.push(...settingLines(s));
  }
  return lines;
}

export function renderHelp(settings: SettingsShape, layout: HelpLayout): string {
  const usage = typeof layout.usage === 'string' ? [layout.usage] : layout.usage;
  const lines = [layout.title, '', ...usage.map((u, i) => (i === 0 ? `Usage: ${u}` : `       ${u}`))];
  if (layout.intro !== undefined && layout.intro.length > 0) lines.push('', ...layout.intro);
  lines.push(...settingsLines(settings, layout.heading));
  lines.push('', '  -h, --help   Show this help.');
  if (layout.footer !== undefined && layout.footer.length > 0) lines.push('', ...layout.footer);
  return lines.join('\n');
}
