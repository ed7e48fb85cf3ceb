import { APIRequestContext, expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { ADMIN, ADMIN_PASSWORD, beijingDate, failOnPageErrors, fixture, shot } from "./helpers";

const CAMP = `读书打卡营${Date.now() % 100000}`;

/** A camp made through the JSON API, as a third party would. */
async function createCamp(request: APIRequestContext) {
  const login = await request.post("/api/v1/auth/login", { data: { username: ADMIN, password: ADMIN_PASSWORD } });
  expect(login.ok()).toBeTruthy();
  const { csrf_token } = await login.json();
  const headers = { "x-csrf-token": csrf_token };
  const coachName = `coach_e2e${Date.now() % 100000}`;
  const coach = await (await request.post("/api/v1/users", {
    headers, data: { username: coachName, password: "Coach-pass-123", role: "coach", enabled: true },
  })).json();
  const upload = async (kind: string, file: string) =>
    (await (await request.post(`/api/v1/uploads?kind=${kind}`, {
      headers: { ...headers, "content-type": "image/png" }, data: fs.readFileSync(fixture(file)),
    })).json()).id;
  const camp = await request.post("/api/v1/admin/camps", {
    headers,
    data: {
      name: CAMP, poster_upload_id: await upload("poster", "poster.png"), group_qr_upload_id: await upload("group_qr", "group-qr.png"),
      deposit_fen: 5000, start_date: beijingDate(1), end_date: beijingDate(7), total_days: 7, required_days: 5,
      intro_html: "<p>每天读书三十分钟。</p>", coach_ids: [coach.id], volunteer_ids: [],
      planet_project_id: "51111111", wecom_payee_id: "payee_02",
    },
  });
  expect(camp.ok()).toBeTruthy();
  return (await camp.json()).id as number;
}

test("a member signs up, pays in the sandbox cashier and gets the group QR; a second visit says 您已报名", async ({ browser, request }) => {
  const campId = await createCamp(request);
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: "zh-CN" });
  const page = await phone.newPage();
  const noErrors = failOnPageErrors(page);

  await page.goto("/h5");
  await page.locator(".h5-card", { hasText: CAMP }).click();
  await expect(page).toHaveURL(new RegExp(`/h5/camps/${campId}$`));
  await expect(page.getByText("¥50.00").first()).toBeVisible();
  // The help opens once the page is interactive: retry the click until hydrated,
  // and fail if it never shows (a swallowed click proved nothing).
  await expect(async () => {
    await page.getByRole("button", { name: "如何获取" }).click();
    await expect(page.getByText("昵称下方的一串数字就是星球ID")).toBeVisible({ timeout: 1_000 });
  }).toPass();
  const fill = async () => {
    await page.locator('input[name="planet_nickname"]').fill("爱读书的小李");
    await page.locator('input[name="planet_id"]').fill("28882841455512");
    await page.locator('input[name="wechat_nickname"]').fill("li_reader");
  };
  await fill();
  await shot(page, "h5-signup-form");
  // Retry until hydrated: only the app answers the button.
  await expect(async () => {
    await fill();
    await page.getByRole("button", { name: "支付押金" }).click();
    await expect(page).toHaveURL(/\/h5\/orders\//, { timeout: 3_000 });
  }).toPass();
  await expect(page.getByAltText("支付二维码")).toBeVisible();
  await shot(page, "h5-pay-qr");

  await page.getByRole("link", { name: "打开支付页面" }).click();
  await expect(page.getByText("微信支付沙箱")).toBeVisible();
  await expect(page.getByText("¥50.00")).toBeVisible();
  await shot(page, "sandbox-cashier");
  await page.getByRole("button", { name: "确认支付" }).click();

  await expect(page).toHaveURL(/\/h5\/enrollments\/\d+$/, { timeout: 20_000 });
  await expect(page.getByRole("heading", { name: "支付成功" })).toBeVisible();
  await expect(page.getByText("请扫码进群开始学习")).toBeVisible();
  const qr = page.getByAltText("训练营群二维码");
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await shot(page, "h5-group-qr");
  await page.getByRole("link", { name: "查看我的打卡进度" }).click();
  await expect(page.getByText("打卡数据每天01:00后更新")).toBeVisible();
  await expect(page.getByText("已打卡 0 天")).toBeVisible();
  await expect(page.getByText("要求 5 天")).toBeVisible();
  await expect(page.getByText("还需打卡5天")).toBeVisible();
  await shot(page, "h5-progress");

  // Second visit from the same phone: no second payment, the QR again.
  await page.goto(`/h5/camps/${campId}`);
  await expect(async () => {
    await fill();
    await page.getByRole("button", { name: "支付押金" }).click();
    await expect(page).toHaveURL(/\/h5\/enrollments\/\d+\?already=1$/, { timeout: 3_000 });
  }).toPass();
  await expect(page.getByRole("heading", { name: "您已报名" })).toBeVisible();
  await expect(page.getByAltText("训练营群二维码")).toBeVisible();
  await shot(page, "h5-already-enrolled");
  noErrors();

  // Someone else typing the same 星球ID gets no QR code.
  const other = await (await browser.newContext({ viewport: { width: 375, height: 812 } })).newPage();
  await other.goto(`/h5/camps/${campId}`);
  await expect(async () => {
    await other.locator('input[name="planet_nickname"]').fill("冒名者");
    await other.locator('input[name="planet_id"]').fill("28882841455512");
    await other.locator('input[name="wechat_nickname"]').fill("someone");
    await other.getByRole("button", { name: "支付押金" }).click();
    await expect(other.getByRole("alert")).toContainText("已报名", { timeout: 3_000 });
  }).toPass();
  await expect(other).not.toHaveURL(/enrollments/);
  await expect(other.getByAltText("训练营群二维码")).toHaveCount(0);
  await phone.close();
});

test("the payment page keeps waiting through refused polls and a dropped connection, then moves on when paid", async ({ browser, request }) => {
  const campId = await createCamp(request);
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: "zh-CN" });
  const page = await phone.newPage();
  await page.goto(`/h5/camps/${campId}`);
  await expect(async () => {
    await page.locator('input[name="planet_nickname"]').fill("晚睡的小周");
    await page.locator('input[name="planet_id"]').fill("28882841455599");
    await page.locator('input[name="wechat_nickname"]').fill("zhou");
    await page.getByRole("button", { name: "支付押金" }).click();
    await expect(page).toHaveURL(/\/h5\/orders\//, { timeout: 3_000 });
  }).toPass();
  const cashier = await page.getByRole("link", { name: "打开支付页面" }).getAttribute("href");
  expect(cashier).toBeTruthy();

  // The next polls are refused as a busy carrier address would be, then one
  // connection drops; the page must keep asking, not give up for good.
  let polls = 0;
  await page.route(/\/api\/v1\/orders\/[A-Za-z0-9]+$/, async (route) => {
    polls += 1;
    if (polls <= 2) {
      return route.fulfill({
        status: 429,
        headers: { "retry-after": "1", "content-type": "application/json" },
        body: JSON.stringify({ code: "rate_limited", message: "请求过于频繁，请稍后再试" }),
      });
    }
    if (polls === 3) return route.abort("connectionreset");
    return route.continue();
  });
  await expect(page.getByText("网络不稳定，正在自动重试")).toBeVisible({ timeout: 10_000 });
  await shot(page, "h5-order-retrying");

  const payer = await phone.newPage();
  await payer.goto(cashier!);
  await payer.getByRole("button", { name: "确认支付" }).click();
  await payer.close();

  await expect(page).toHaveURL(/\/h5\/enrollments\/\d+$/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { name: "支付成功" })).toBeVisible();
  expect(polls).toBeGreaterThan(3);
  await phone.close();
});

test("staff see the paid member, mark them as joined, and read the WeChat Pay settings", async ({ page }) => {
  const noErrors = failOnPageErrors(page);
  await page.goto("/admin/login");
  await expect(async () => {
    await page.getByLabel("用户名").fill(ADMIN);
    await page.getByLabel("密码").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page).toHaveURL(/\/admin\/camps/, { timeout: 2_000 });
  }).toPass();
  await page.locator(".admin-sidebar").getByRole("link", { name: "会员管理" }).click();
  const row = page.getByRole("row", { name: /爱读书的小李/ });
  await expect(row).toBeVisible();
  await expect(row).toContainText("28882841455512");
  await expect(row).toContainText("¥50.00");
  await expect(row).toContainText("未进群");
  await row.getByRole("button", { name: "标记进群" }).click();
  await expect(page.getByRole("row", { name: /爱读书的小李/ })).toContainText("已进群");
  await expect(page.getByRole("link", { name: "导出Excel" })).toHaveAttribute("href", /export\.xlsx/);
  await shot(page, "admin-members");
  await page.getByRole("row", { name: /爱读书的小李/ }).getByRole("link", { name: "查看详情" }).click();
  await expect(page.getByRole("heading", { name: "支付记录" })).toBeVisible();
  await expect(page.getByText("已支付", { exact: true })).toBeVisible();
  await shot(page, "admin-member-detail");

  await page.locator(".admin-sidebar").getByRole("link", { name: "系统设置" }).click();
  await expect(page.getByRole("heading", { name: "微信支付配置" })).toBeVisible();
  const wechatPay = page.locator("form", { has: page.getByRole("heading", { name: "微信支付配置" }) });
  await wechatPay.getByRole("button", { name: "测试连接" }).click();
  await expect(page.getByRole("alert")).toContainText("连接正常");
  const planet = page.getByTestId("planet-settings");
  await expect(planet.getByRole("heading", { name: "知识星球配置" })).toBeVisible();
  await planet.getByRole("button", { name: "测试连接" }).click();
  await expect(planet.getByTestId("planet-test")).toContainText("连接正常");
  await shot(page, "admin-system");
  noErrors();
});
