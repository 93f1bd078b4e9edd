/**
 * README tables from the declarations. A README marks each generated table with `<!-- settings:NAME -->` …
 * `<!-- /settings:NAME -->`; the prose around the markers is the README's own.
 */
import type { AnySetting, SettingsShape } from './define.js';
import { flagLabel } from './help.js';

/** Escapes table cells: `|` always; `<`/`>` outside code spans, where GitHub would take them for HTML. */
function cell(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`')
    .replace(/\|/g, '\\|');
}

const code = (text: string): string => `\`${text}\``;

function row(s: AnySetting): string {
  const flag = code(flagLabel(s).replace(/ <.*$/, ''));
  const env = s.env.length === 0 ? '—' : s.env.map(code).join(', ');
  const def = s.defaultIsValue ? code(s.defaultText) : s.defaultText;
  const accepted =
    s.kind === 'boolean' ? (s.env.length === 0 ? 'switch' : 'switch; env `true`/`false`')
      : s.values !== undefined ? `${s.kind === 'list' ? 'comma-separated: ' : ''}${s.values.map(code).join(', ')}`
        : s.accepted;
  return `| ${[flag, env, def, accepted, s.help].map(cell).join(' | ')} |`;
}

const HEADER = ['| Flag | Environment | Default | Accepted | Meaning |', '|---|---|---|---|---|'];

/** One table, or with `grouped` one table per section under a bold title. */
export function settingsTable(settings: SettingsShape, options: { grouped?: boolean } = {}): string {
  const all = Object.values(settings);
  if (options.grouped !== true) return [...HEADER, ...all.map(row)].join('\n');
  const groups = new Map<string, AnySetting[]>();
  for (const s of all) groups.set(s.group ?? 'Options', [...(groups.get(s.group ?? 'Options') ?? []), s]);
  const parts: string[] = [];
  for (const [title, members] of groups) parts.push(`**${title}**`, '', ...HEADER, ...members.map(row), '');
  return parts.slice(0, -1).join('\n');
}

const start = (name: string): string => `<!-- settings:${name} -->`;
const end = (name: string): string => `<!-- /settings:${name} -->`;

/** The names of the generated blocks a document has, in order. */
export function generatedBlocks(text: string): string[] {
  return [...text.matchAll(/<!-- settings:([a-z0-9:-]+) -->/g)].map((m) => m[1] as string);
}

/** Replaces the content between a block's markers; throws when the document lacks them. */
export function replaceGeneratedBlock(text: string, name: string, content: string): string {
  const from = text.indexOf(start(name));
  const to = text.indexOf(end(name));
  if (from === -1 || to === -1 || to < from) throw new Error(`no ${start(name)} … ${end(name)} block`);
  return `${text.slice(0, from)}${start(name)}\n${content}\n${text.slice(to)}`;
}
