// The web UI in a real browser against the real binary on a simulated cluster: the frame,
// every page in light and dark, the fit indicators from the cluster's GPU capacity, and the
// deploy (advanced options, capacity warning) → details → logs (pod and container pickers) /
// manifest → delete path.
import { execFileSync } from 'node:child_process';
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

function kubectl(args: string[], input?: string): string {
  return execFileSync('/usr/bin/kubectl', ['--kubeconfig', system.kubeconfig, ...args], { input, encoding: 'utf8', timeout: 20_000 });
}

interface Capacity {
  totalGpus: number;
  gpuNodeCount: number;
  maxNodeGpuCapacity: number;
  totalMemoryGb?: number;
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

  it('grades the cards against the cluster’s real GPU capacity', async () => {
    const answer = await page.request.get('/api/installation/gpu-capacity');
    expect(answer.status()).toBe(200);
    const cap = (await answer.json()) as Capacity;
    expect(cap.gpuNodeCount).toBeGreaterThan(0); // the demo cluster has GPU nodes
    await page.goto('/');
    const fit = page.getByTestId('model-card').filter({ hasText: 'Qwen/Qwen3-0.6B' }).first().getByTestId('gpu-fit');
    if (cap.totalMemoryGb) {
      // Per-GPU memory × every GPU, as the reference computes it.
      await expect.poll(() => fit.getAttribute('data-level')).toBe('perfect');
      expect(await fit.textContent()).toContain(`/ ${Math.round(cap.totalMemoryGb * cap.totalGpus)} GB`);
    } else {
      await expect.poll(() => fit.getAttribute('data-level')).toBe('unknown');
      expect(await fit.textContent()).toContain('Needs ~4 GB');
    }
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

    // A pod larger than the largest GPU node is refused by the capacity check; back to 1 GPU.
    const cap = (await (await page.request.get('/api/installation/gpu-capacity')).json()) as Capacity;
    const gpus = page.getByLabel('GPUs per replica');
    await gpus.fill(String(cap.maxNodeGpuCapacity + 1));
    await page.getByTestId('capacity-warning').waitFor();
    expect(await page.getByTestId('capacity-warning').getAttribute('data-severity')).toBe('error');
    expect(await text('[data-testid=capacity-warning]')).toContain(`largest GPU node has ${cap.maxNodeGpuCapacity}`);
    await gpus.fill('1');
    await page.getByTestId('capacity-warning').waitFor({ state: 'detached' });

    // The advanced options and a storage volume, for the screenshot; the volume is removed
    // again so the deployment does not wait for a disk.
    await page.getByRole('button', { name: 'Advanced options' }).click();
    await page.getByLabel('Context length').waitFor();
    await page.getByRole('button', { name: 'Add volume' }).click();
    await page.getByTestId('volume').getByLabel('Container path').fill('/data');
    await page.waitForTimeout(600); // the preview follows the form 400 ms behind
    await shoot('deploy');
    await page.getByRole('button', { name: 'Remove volume 1' }).click();
    await page.getByTestId('volume').waitFor({ state: 'detached' });
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
    // The model server's pod has one container: no container picker.
    expect(await page.getByTestId('container-picker').count()).toBe(0);

    // A second pod of the deployment with a sidecar: its containers can be picked.
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'e2e-qwen-sidecar', namespace: 'default', labels: { 'airunway.ai/deployment': 'e2e-qwen' } },
        spec: {
          containers: [
            { name: 'server', image: 'vllm/vllm-openai:latest' },
            { name: 'log-shipper', image: 'busybox:1.36' },
          ],
        },
      }),
    );
    const podPicker = page.getByRole('textbox', { name: 'Pod' });
    await expect.poll(async () => {
      await podPicker.click();
      const option = page.getByRole('option', { name: 'e2e-qwen-sidecar' });
      const found = (await option.count()) > 0;
      if (found) await option.click();
      else await page.keyboard.press('Escape');
      return found;
    }, { timeout: 15_000, interval: 1_000 }).toBe(true);
    const containerPicker = page.getByRole('textbox', { name: 'Container' });
    await containerPicker.waitFor();
    expect(await containerPicker.inputValue()).toBe('Default container');
    await containerPicker.click();
    await page.getByRole('option', { name: 'log-shipper' }).click();
    await expect.poll(() => text('[data-testid=log-view]'), { timeout: 15_000 }).toContain('starting container from image busybox:1.36');
    await shoot('deployment-logs');
    kubectl(['delete', 'pod', 'e2e-qwen-sidecar', '-n', 'default', '--wait=false']);

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
