import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `false` when Chromium is there, else why the browser tests skip (printed once by the caller's file). */
export const chromiumSkip: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)`;

export interface BrowserPage {
  page: Page;
  /** Page errors and console errors, CSP violations included: a test ends asserting it is empty. */
  problems: string[];
}

/**
 * A fresh headless Chromium page (closed at teardown) that records every page and console error.
 *
 * @example const { page, problems } = await browserPage(t); await page.goto(url); t.same(problems, []);
 */
export async function browserPage(t: { teardown(fn: () => unknown): void }): Promise<BrowserPage> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  return { page, problems };
}
