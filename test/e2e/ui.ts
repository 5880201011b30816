// Helpers for driving VS Code Web in the E2E tests: screenshots, polling,
// the command palette, and reading what the workbench shows (view panes,
// after-text decorations) — the way a user sees it, through the DOM.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './codeServer';

/** Open code-server's workbench in `page` and wait until VS Code has drawn it. */
export async function loadWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { timeout: 120_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
}

export const SHOTS = path.join(ROOT, '.test-work', 'e2e', 'screenshots');

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
export const log = (m: string) => console.log(`# e2e ${elapsed()}: ${m}`);

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Poll `probe` until it returns a truthy value (or fail with the last value seen). */
export async function until<T>(what: string, probe: () => Promise<T>, timeoutMs: number, page?: Page): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) {
      if (page) await shot(page, `timeout-${what.replace(/\W+/g, '-')}`).catch(() => undefined);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** Text of the rows of one view pane in the side bar, by its title. */
export async function paneText(page: Page, title: string): Promise<string> {
  // a string, so this file needs no DOM typings: it runs in the page
  return page.evaluate(`(() => {
    for (const pane of document.querySelectorAll('.pane')) {
      const header = pane.querySelector('.pane-header .title');
      if (header && header.textContent.trim().toLowerCase() === ${JSON.stringify(title.toLowerCase())}) {
        const body = pane.querySelector('.pane-body');
        return body ? body.innerText : '';
      }
    }
    return '';
  })()`);
}

/** Drag the side bar's edge to the right, so the views' descriptions are readable in screenshots. */
export async function widenSideBar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 1, y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
}

/** Expand a collapsed view pane of the side bar (like clicking its title). */
export async function expandPane(page: Page, title: string): Promise<void> {
  const header = page.locator('.pane-header', { has: page.locator('.title', { hasText: new RegExp(`^${title}$`, 'i') }) }).first();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
}

/** The ::after texts of decorations on the editor's lines (after-text decorations render there). */
export async function afterTexts(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('.monaco-editor .view-line span')) {
      const c = getComputedStyle(el, '::after').content;
      if (c && c !== 'none' && c !== 'normal') out.push(c);
    }
    return out;
  })()`);
}


/**
 * Open a workspace file by name through quick open, as a user would. The
 * first file search of a fresh window can be slow on a loaded machine: the
 * name is typed again every 10 s (which searches again), up to 2 minutes.
 */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  let typedAt = 0;
  await until(`${name} in quick open`, async () => {
    if (Date.now() - typedAt > 10_000) {
      await input.fill('');
      await input.fill(name);
      typedAt = Date.now();
    }
    return (await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).count()) > 0;
  }, 120_000, page);
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 60_000 });
}

/**
 * Hover the editor line containing `lineText` (over its code, not its
 * indentation) until a hover containing `expect` shows; the mouse is moved
 * off and back every few seconds, as a user would try again. Its text.
 */
export async function hoverLine(page: Page, lineText: string, expect: string): Promise<string> {
  let movedAt = 0;
  return until(`the hover on "${lineText}"`, async () => {
    if (Date.now() - movedAt > 4000) {
      const box = await page.locator('.view-line', { hasText: lineText }).first().boundingBox();
      if (box) {
        await page.mouse.move(5, 500);
        await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2, { steps: 3 });
      }
      movedAt = Date.now();
    }
    const t = (await page.locator('.monaco-hover').allInnerTexts().catch(() => [] as string[])).join('\n');
    return t.includes(expect) ? t : '';
  }, 60_000, page);
}
