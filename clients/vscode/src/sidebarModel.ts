// Client-side logic of the Codex sidebar and the tag pickers that needs no VS Code: the nested
// tag tree, the `codex.connections` answer grouped for display, and the tag picker rows.
// Unit-tested under plain Node (test/unit).

import { type LspRange, plural } from './model';

// -- tags ---------------------------------------------------------------------------------------

/** One row of `codex.tags`: with the tag's meaning from `.codex/config.yaml` `tags:`, if any. */
export interface TagCount {
  name: string;
  count: number;
  description?: string;
  /** A theme colour name (red, orange, yellow, green, blue, purple) or `#rrggbb`. */
  color?: string;
}

/** A tag in the nested tree: `assay` holds `assay/pcr` and `assay/qpcr`. */
export interface TagNode {
  /** The full tag without `#`: "assay/pcr". */
  name: string;
  /** The last part: "pcr". */
  segment: string;
  /**
   * Notes carrying the tag itself (0 for a parent that only exists through its children). The
   * count shown for a parent is that of the tag with its nested children (see `tagTree`).
   */
  count: number;
  children: TagNode[];
  description?: string;
  color?: string;
}

/**
 * The nested tag tree of `codex.tags`, as Obsidian's tag pane shows it: a parent exists as soon
 * as one of its nested tags does. Siblings sorted by name (case-insensitive).
 */
export function buildTagTree(tags: readonly TagCount[]): TagNode[] {
  const roots: TagNode[] = [];
  const byName = new Map<string, TagNode>();
  const nodeFor = (name: string): TagNode => {
    const known = byName.get(name);
    if (known) return known;
    const slash = name.lastIndexOf('/');
    const node: TagNode = { name, segment: slash < 0 ? name : name.slice(slash + 1), count: 0, children: [] };
    byName.set(name, node);
    (slash < 0 ? roots : nodeFor(name.slice(0, slash)).children).push(node);
    return node;
  };
  const clean = (name: string): string => name.replace(/^#/, '').replace(/^\/+|\/+$/g, '');
  for (const tag of tags) {
    const name = clean(tag.name);
    if (!name || tag.count <= 0) continue; // a tag of the table that no note carries
    nodeFor(name).count += tag.count;
  }
  for (const tag of tags) {
    const node = byName.get(clean(tag.name));
    if (!node) continue;
    node.description ??= tag.description;
    node.color ??= tag.color;
  }
  const sort = (nodes: TagNode[]): void => {
    nodes.sort((a, b) => a.segment.localeCompare(b.segment, undefined, { sensitivity: 'base' }) || a.segment.localeCompare(b.segment));
    for (const node of nodes) sort(node.children);
  };
  sort(roots);
  return roots;
}

/** The theme colours a tag's colour may name (VS Code's `charts.*`). */
const CHART_COLORS = new Set(['red', 'orange', 'yellow', 'green', 'blue', 'purple']);

/**
 * How a tag's colour is drawn: a theme colour id for a named colour, a coloured circle (SVG) for
 * `#rgb`/`#rrggbb`; undefined for no or an unknown colour (the plain tag icon).
 */
export function tagIcon(color: string | undefined): { themeColor: string } | { svg: string } | undefined {
  if (!color) return undefined;
  const lower = color.toLowerCase();
  if (CHART_COLORS.has(lower)) return { themeColor: `charts.${lower}` };
  if (!/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/.test(lower)) return undefined;
  return {
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="5" fill="${lower}"/></svg>`,
  };
}

/** Every node of the tree, parents before their children. */
export function flattenTags(nodes: readonly TagNode[]): TagNode[] {
  const out: TagNode[] = [];
  const walk = (list: readonly TagNode[]): void => {
    for (const node of list) {
      out.push(node);
      walk(node.children);
    }
  };
  walk(nodes);
  return out;
}

/** The tags whose count must be asked for with their nested children (every parent). */
export function parentTags(nodes: readonly TagNode[]): string[] {
  return flattenTags(nodes)
    .filter((node) => node.children.length > 0)
    .map((node) => node.name);
}

/** Count shown for a node: with nested children for parents (from `nested`), else its own. */
export function shownCount(node: TagNode, nested: ReadonlyMap<string, number>): number {
  return node.children.length > 0 ? (nested.get(node.name) ?? node.count) : node.count;
}

/** A row of the tag picker: parents before their children, indented by depth. */
export interface TagPickRow {
  label: string;
  description: string;
  name: string;
}

export function tagPickRows(nodes: readonly TagNode[], nested: ReadonlyMap<string, number>): TagPickRow[] {
  return flattenTags(nodes).map((node) => ({
    label: `#${node.name}`,
    description: node.children.length > 0 ? `${plural(shownCount(node, nested), 'note')} with nested tags` : plural(node.count, 'note'),
    name: node.name,
  }));
}

// -- connections --------------------------------------------------------------------------------

/** `codex.connections` (docs/protocol.md). */
export interface Connections {
  backlinks: Backlink[];
  links: OutgoingLink[];
  tags: string[];
}

export interface Backlink {
  uri: string;
  range: LspRange;
  /** The line around the link. */
  context?: string;
  /** Title of the linking note. */
  title?: string;
}

export interface OutgoingLink {
  target: string;
  /** Null when the link is broken. */
  uri: string | null;
  range: LspRange;
  title?: string;
  broken?: boolean;
}

/** The backlinks of one linking note. */
export interface BacklinkGroup {
  uri: string;
  title: string;
  links: Backlink[];
}

/** Backlinks grouped by linking note (in first-seen order), each group's links by position. */
export function groupBacklinks(backlinks: readonly Backlink[]): BacklinkGroup[] {
  const groups = new Map<string, BacklinkGroup>();
  for (const link of backlinks) {
    let group = groups.get(link.uri);
    if (!group) {
      group = { uri: link.uri, title: link.title || fileTitle(link.uri), links: [] };
      groups.set(link.uri, group);
    }
    group.links.push(link);
  }
  for (const group of groups.values()) {
    group.links.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  }
  return [...groups.values()];
}

/** Outgoing links, one row per target: resolved ones first, then broken ones. */
export function distinctLinks(links: readonly OutgoingLink[]): OutgoingLink[] {
  const seen = new Set<string>();
  const out: OutgoingLink[] = [];
  for (const link of links) {
    const key = isBroken(link) ? `broken:${link.target}` : (link.uri ?? link.target);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(link);
  }
  return [...out.filter((l) => !isBroken(l)), ...out.filter(isBroken)];
}

export function isBroken(link: OutgoingLink): boolean {
  return link.broken === true || link.uri === null;
}

/** The line around a link on one line, without surrounding blanks, at most `max` characters. */
export function contextLine(context: string | undefined, max = 160): string {
  const line = (context ?? '').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Where the link to `noteUri` is in a backlink's context line: the first `[[...]]` or
 * `[...](...)` whose target names the note (its file name, any folder before it, `#` after it).
 * Undefined when the line was cut inside the link.
 */
export function linkInContext(context: string, noteUri: string): [number, number] | undefined {
  const name = fileTitle(noteUri).toLowerCase();
  const links = /\[\[([^\]|#^]*)[^\]]*\]\]|\[[^\]]*\]\(([^)#\s]*)[^)]*\)/g;
  for (let match = links.exec(context); match; match = links.exec(context)) {
    let target = (match[1] ?? match[2] ?? '').trim();
    try {
      target = decodeURIComponent(target);
    } catch {
      // written with a literal %
    }
    const base = (target.split('/').pop() ?? '').replace(/\.md$/i, '').toLowerCase();
    if (base === name) return [match.index, match.index + match[0].length];
  }
  return undefined;
}

/** "PCR amplification" from ".../PCR%20amplification.md". */
export function fileTitle(uri: string): string {
  const last = uri.split('/').pop() ?? uri;
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  return name.replace(/\.md$/i, '');
}
