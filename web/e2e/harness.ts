// Starts the real system for the browser tests: `airunway serve --demo --port 0` (the API,
// the controller and a simulated GPU cluster in one process) and Debian's Chromium driven by
// playwright-core with a fresh profile. Everything is on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const screenshotDir = join(here, 'screenshots');

export function findBinary(): string {
  const fromEnv = process.env.AIRUNWAY_BINARY;
  if (fromEnv) return fromEnv;
  for (const preset of ['release', 'dev']) {
    const candidate = join(repoRoot, 'build', preset, 'src/cli/airunway');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('airunway binary not found: build it (make) or set AIRUNWAY_BINARY');
}

/** Starts a process and resolves with its first stdout match of `pattern`. */
function startAndWait(cmd: string, args: string[], pattern: RegExp, timeoutMs = 20_000): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not start in time\nstdout: ${out}\nstderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = out.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ child, match });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code} before it was ready\nstdout: ${out}\nstderr: ${err.slice(-2000)}`));
    });
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      r();
    });
    child.kill('SIGTERM');
  });
}

export interface System {
  baseUrl: string;
  /** The simulated cluster's kubeconfig, for kubectl. */
  kubeconfig: string;
  context: BrowserContext;
  /** Console errors and failed requests seen by any page, for the "clean run" assertion. */
  problems: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function startSystem(): Promise<System> {
  const binary = findBinary();
  const work = mkdtempSync(join(tmpdir(), 'airunway-e2e-'));
  let serve: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  try {
    const started = await startAndWait(
      binary,
      ['serve', '--demo', '--port', '0', '--log-level', 'warn'],
      /AI Runway is serving on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*?kubeconfig for kubectl: (\S+)/,
    );
    serve = started.child;
    const baseUrl = started.match[1]!;
    const kubeconfig = started.match[2]!;
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
      viewport: { width: 1360, height: 900 },
      baseURL: baseUrl,
    });
    const problems: string[] = [];
    const watch = (page: Page) => {
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
      page.on('requestfailed', (r) => {
        // A followed log stream is aborted on purpose when the page moves on.
        if (r.url().includes('follow=true')) return;
        problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400) {
          const line = `HTTP ${r.status()}: ${r.request().method()} ${r.url()} ${r.request().postData() ?? ''}`;
          problems.push(line);
          void r.text().then((body) => problems.push(`  → ${body.slice(0, 300)}`), () => undefined);
        }
        if (!r.url().startsWith(baseUrl)) problems.push(`request to another host: ${r.url()}`);
      });
    };
    const ctx = context;
    return {
      baseUrl,
      kubeconfig,
      context: ctx,
      problems,
      async newPage() {
        const page = await ctx.newPage();
        watch(page);
        return page;
      },
      async close() {
        await ctx.close().catch(() => undefined);
        await stop(serve);
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close().catch(() => undefined);
    await stop(serve);
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
