import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { program } from './programs.js';

/**
 * The system's headless Chromium (playwright cannot download browsers here): chromium on
 * Debian and Raspberry Pi OS, chromium-browser on Ubuntu.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: program('chromium', 'chromium-browser'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A Japanese phone: 390 × 844, touch, ja-JP. */
export function japanesePhone(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 }, isMobile: true });
}

/** How far the page is wider than the screen (≤ 0: it fits). */
export const OVERFLOW_JS = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';
