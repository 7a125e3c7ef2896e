// The web UI in a real browser against the real binary on a simulated cluster: the frame,
// every page in light and dark, and the deploy → details → logs/manifest → delete path.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotDir, startSystem, type System } from './harness';

let system: System;
let page: Page;

async function shoot(name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => window.localStorage.removeItem('mantine-color-scheme-value'));
    await page.waitForTimeout(50);
    await page.screenshot({ path: join(screenshotDir, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function text(selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  system = await startSystem();
  page = await system.newPage();
}, 60_000);

afterAll(async () => {
  await system?.close();
});

describe('AI Runway web UI', () => {
  it('shows the frame: connected, the context name and the simulated-cluster badge', async () => {
    await page.goto('/');
    await page.getByTestId('connection-badge').filter({ hasText: 'Connected' }).waitFor();
    expect(await text('[data-testid=context-name]')).toBe('kubesim');
    expect(await text('[data-testid=simulated-badge]')).toContain('Simulated cluster');
  });

  it('browses the curated catalog with fit indicators and filters', async () => {
    await page.goto('/');
    await page.getByTestId('model-card').first().waitFor();
    const cards = await page.getByTestId('model-card').count();
    expect(cards).toBeGreaterThan(3);
    expect(await page.getByTestId('gpu-fit').count()).toBe(cards);
    await page.locator('.mantine-Chip-label', { hasText: 'llama.cpp' }).click();
    const filtered = await page.getByTestId('model-card').count();
    expect(filtered).toBeLessThan(cards);
    await page.locator('.mantine-Chip-label', { hasText: 'llama.cpp' }).click();
    await shoot('models');
  });

  it('deploys a curated model, sees it reach Running and reads its logs', async () => {
    await page.goto('/');
    const card = page.getByTestId('model-card').filter({ hasText: 'Qwen/Qwen3-0.6B' }).first();
    await card.getByRole('link', { name: /Deploy/ }).click();
    await page.getByRole('heading', { name: /^Deploy / }).waitFor();
    const name = page.getByLabel(/^Deployment name/);
    await name.fill('e2e-qwen');
    const ns = page.getByLabel(/^Namespace/);
    await ns.fill('default');
    await page.getByTestId('manifest-view').waitFor();
    await shoot('deploy');
    await page.keyboard.press('Control+Enter');
    await page.waitForURL(/\/deployments\/e2e-qwen\?namespace=default/);
    await page.getByRole('heading', { name: 'e2e-qwen' }).waitFor();
    // The demo controller and the simulated kubelet bring it up.
    await page.getByRole('heading', { name: 'e2e-qwen' }).locator('..').getByLabel('Phase: Running').waitFor({ timeout: 30_000 });
    await page.getByTestId('pods-table').waitFor();
    await shoot('deployment-details');

    await page.getByRole('tab', { name: 'Manifest' }).click();
    await page.getByTestId('manifest-view').waitFor();
    expect(await text('[data-testid=manifest-view]')).toContain('kind: ModelDeployment');
    await page.getByRole('tab', { name: 'Logs' }).click();
    await expect.poll(async () => (await text('[data-testid=log-view]')).length, { timeout: 15_000 }).toBeGreaterThan(40);
    await shoot('deployment-logs');

    await page.goto('/deployments');
    await page.getByTestId('deployments-table').getByText('e2e-qwen').waitFor();
    await shoot('deployments');
  });

  it('deletes the deployment after confirmation', async () => {
    await page.goto('/deployments');
    await page.getByRole('button', { name: 'Delete e2e-qwen' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor({ state: 'hidden' }).catch(async () => { await page.screenshot({ path: join(screenshotDir, 'delete-failure.png') }); throw new Error('dialog stayed open'); });
    // Gone from the list (the demo scenario may hold other deployments), or on its way out
    // when a finalizer holds it.
    const row = page.getByTestId('deployments-table').getByRole('row').filter({ hasText: 'e2e-qwen' });
    await expect
      .poll(async () => (await row.count()) === 0 || (await row.getByLabel('Phase: Terminating').count()) > 0, { timeout: 15_000 })
      .toBe(true);
    await shoot('deployments-after-delete');
  });

  it('shows settings with the cluster and HuggingFace status', async () => {
    await page.goto('/settings');
    await page.getByText('Simulated (kubesim)').waitFor();
    await shoot('settings');
    await page.getByRole('tab', { name: 'Providers' }).click();
    await page.getByText(/No inference providers registered|Installed|Not installed|Ready/).first().waitFor();
    await page.getByRole('tab', { name: 'HuggingFace' }).click();
    await page.getByRole('button', { name: /Sign in with Hugging Face/ }).waitFor();
    await shoot('settings-huggingface');
  });

  it('renders a not-found page for unknown paths', async () => {
    await page.goto('/no/such/page');
    await page.getByText('Page not found').waitFor();
    await shoot('not-found');
  });

  it('saw no console error, failed request or request to another host', () => {
    expect(system.problems).toEqual([]);
  });
});
