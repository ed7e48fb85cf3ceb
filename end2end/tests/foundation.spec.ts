import { expect, test } from "@playwright/test";
import { beijingDate, failOnPageErrors, fixture, shot, signIn } from "./helpers";

const CAMP = `早起打卡营${Date.now() % 100000}`;
const COACH = `coach${Date.now() % 100000}`;

test("a super admin creates a coach and a camp, and members see it on the H5 list", async ({ page, browser }) => {
  const noErrors = failOnPageErrors(page);
  await signIn(page);
  await expect(page.getByText("沙箱模式")).toBeVisible();
  await shot(page, "admin-camps-empty");

  // A coach account, through the user dialog.
  await page.locator(".admin-sidebar").getByRole("link", { name: "用户管理" }).click();
  await expect(page).toHaveURL(/\/admin\/users/);
  await page.getByRole("button", { name: "+ 添加用户" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("用户名").fill(COACH);
  await dialog.getByLabel("密码").fill("Coach-pass-123");
  await dialog.getByLabel("角色").selectOption("coach");
  await shot(page, "admin-user-dialog");
  await dialog.getByRole("button", { name: "保存" }).click();
  await expect(page.getByRole("cell", { name: COACH, exact: true })).toBeVisible();
  await shot(page, "admin-users");

  // A camp with a poster and a group QR code.
  await page.locator(".admin-sidebar").getByRole("link", { name: "训练营管理" }).click();
  await page.getByRole("link", { name: "+ 创建训练营" }).click();
  await expect(page).toHaveURL(/\/admin\/camps\/new/);
  await page.locator('input[name="name"]').fill(CAMP);
  await page.locator('input[name="poster_upload_id"]').setInputFiles(fixture("poster.png"));
  await expect(page.locator(".el-upload-preview[src]").first()).toBeVisible();
  await page.locator('input[name="deposit"]').fill("99");
  await page.locator('input[name="start_date"]').fill(beijingDate(1));
  await page.locator('input[name="end_date"]').fill(beijingDate(10));
  await page.locator('input[name="total_days"]').fill("10");
  await page.locator('input[name="required_days"]').fill("7");
  await page.locator('input[name="group_qr_upload_id"]').setInputFiles(fixture("group-qr.png"));
  await expect(page.locator(".el-upload-qr[src]")).toBeVisible();
  await page.getByRole("textbox", { name: "项目介绍" }).fill("每天早上七点前打卡，坚持十天。");
  await page.getByLabel(COACH).check();
  await page.locator('input[name="planet_project_id"]').fill("8424481182");
  await page.locator('input[name="wecom_payee_id"]').fill("payee_01");
  await shot(page, "admin-camp-form");
  await page.getByRole("button", { name: "保存" }).click();

  await expect(page).toHaveURL(/\/admin\/camps\/\d+$/);
  await expect(page.getByRole("heading", { name: CAMP })).toBeVisible();
  await expect(page.getByText("10天7打卡").first()).toBeVisible();
  await shot(page, "admin-camp-detail");

  await page.locator(".admin-sidebar").getByRole("link", { name: "训练营管理" }).click();
  await expect(page.getByRole("cell", { name: CAMP })).toBeVisible();
  await page.getByRole("button", { name: "生成二维码" }).first().click();
  await expect(page.getByRole("dialog").getByAltText("报名二维码")).toBeVisible();
  await shot(page, "admin-camp-qr");
  noErrors();

  // The member's phone.
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
  const h5 = await phone.newPage();
  const noH5Errors = failOnPageErrors(h5);
  await h5.goto("/h5");
  const card = h5.locator(".h5-card", { hasText: CAMP });
  await expect(card).toBeVisible();
  await expect(card).toContainText("¥99.00");
  await expect(card).toContainText("10天7打卡");
  await expect(card).toContainText("即将开始");
  await expect(card).toContainText("已报名 0 人");
  // Only a hydrated page answers this button.
  await expect(async () => {
    await h5.getByRole("button", { name: "刷新" }).click();
    await expect(h5.getByRole("alert")).toHaveText("已刷新", { timeout: 1_000 });
  }).toPass();
  await shot(h5, "h5-camp-list");
  await card.click();
  await expect(h5.getByRole("heading", { name: CAMP })).toBeVisible();
  await expect(h5.getByText("每天早上七点前打卡")).toBeVisible();
  await shot(h5, "h5-camp-detail");
  noH5Errors();
  await phone.close();
});

test("the operation log shows what was done", async ({ page }) => {
  await signIn(page);
  await page.locator(".admin-sidebar").getByRole("link", { name: "操作日志" }).click();
  await expect(page.getByRole("cell", { name: "创建训练营" }).first()).toBeVisible();
  await page.getByLabel("操作类型").selectOption("login");
  await expect(page.getByRole("cell", { name: "登录", exact: true }).first()).toBeVisible();
  await shot(page, "admin-audit-log");
});
