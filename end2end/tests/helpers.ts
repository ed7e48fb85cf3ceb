import { expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

export const ADMIN = process.env.E2E_ADMIN ?? "admin";
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "Admin-pass-123";
export const SHOTS = path.join(__dirname, "..", "screenshots");
fs.mkdirSync(SHOTS, { recursive: true });

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Fails the test on any uncaught error in the page (a broken hydration shows up here). */
export function failOnPageErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return () => expect(errors, "uncaught page errors").toEqual([]);
}

/** Signs in through the form; retries until the page has hydrated and the click navigates. */
export async function signIn(page: Page, username = ADMIN, password = ADMIN_PASSWORD) {
  await page.goto("/admin/login");
  await expect(async () => {
    await page.getByLabel("用户名").fill(username);
    await page.getByLabel("密码").fill(password);
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page).toHaveURL(/\/admin\/camps/, { timeout: 2_000 });
  }).toPass();
}

export function fixture(name: string) {
  return path.join(__dirname, "..", "fixtures", name);
}

/** A Beijing calendar date `days` from today, as YYYY-MM-DD. */
export function beijingDate(days: number) {
  const d = new Date(Date.now() + 8 * 3600_000 + days * 86400_000);
  return d.toISOString().slice(0, 10);
}

/** Signs up for a camp on the H5 and pays in the sandbox cashier; ends on the member's enrollment page. */
export async function signUpAndPay(page: Page, campId: number, member: { nickname: string; planetId: string; wechat: string }) {
  await page.goto(`/h5/camps/${campId}`);
  // Retry until hydrated: only the app answers the button.
  await expect(async () => {
    await page.locator('input[name="planet_nickname"]').fill(member.nickname);
    await page.locator('input[name="planet_id"]').fill(member.planetId);
    await page.locator('input[name="wechat_nickname"]').fill(member.wechat);
    await page.getByRole("button", { name: "支付押金" }).click();
    await expect(page).toHaveURL(/\/h5\/orders\//, { timeout: 3_000 });
  }).toPass();
  await page.getByRole("link", { name: "打开支付页面" }).click();
  await page.getByRole("button", { name: "确认支付" }).click();
  await expect(page).toHaveURL(/\/h5\/enrollments\/\d+$/, { timeout: 20_000 });
}
