// Language identification accuracy on a small labelled set: verses from the bundled corpora (Tang
// poems, KJV Genesis) plus hand-written modern sentences in zh, en and six other languages,
// including Chinese with English terms and short texts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../summary.js";
import { detectLanguage, isMostlyCjk } from "./lang.js";

const REPO = path.resolve(import.meta.dirname, "../../..");

const HAND: Record<string, string[]> = {
  zh: [
    "我们使用 Python 和 TensorFlow 训练了一个新的模型。",
    "今天北京的天气很好，适合出去散步。",
    "请在下周一之前提交你的报告。",
    "这个数据集包含了十万条用户评论。",
    "他在上海的一家科技公司工作。",
    "模型的准确率提高到了百分之九十五。",
    "我们需要更多的 GPU 来加快训练速度。",
    "这家餐厅的菜很好吃，但是价格有点贵。",
    "数据清洗是机器学习中非常重要的一步。",
    "请把文件发到我的邮箱。",
    "你好",
    "谢谢你的帮助！",
    "大型语言模型在自然语言处理领域取得了显著进展。",
    "用户可以通过 API 调用这个服务。",
    "明天上午十点开会。",
  ],
  en: [
    "We trained a new model on the cleaned dataset last week.",
    "Please submit your report before Monday.",
    "The weather in London is quite nice today.",
    "This dataset contains one hundred thousand user reviews.",
    "Data cleaning is one of the most important steps in machine learning.",
    "Send the file to my email address.",
    "Thanks for your help!",
    "The meeting starts at ten tomorrow morning.",
    "Large language models have made remarkable progress.",
    "Users can call the service through an HTTP API.",
    "It was the best of times, it was the worst of times.",
    "How do I reset my password?",
    "The word 你好 means hello in Chinese.",
    "Our revenue grew by twelve percent in the third quarter.",
    "Keep the cache warm and the latency will stay low.",
  ],
  fr: [
    "Nous avons entraîné un nouveau modèle sur les données nettoyées.",
    "Le temps est très beau aujourd'hui à Paris.",
    "Merci de soumettre votre rapport avant lundi.",
    "Les utilisateurs peuvent appeler le service avec une clé.",
    "C'est une étape importante dans le projet.",
    "Je ne sais pas où il est parti.",
  ],
  de: [
    "Wir haben ein neues Modell mit den bereinigten Daten trainiert.",
    "Das Wetter in Berlin ist heute sehr schön.",
    "Bitte senden Sie den Bericht bis Montag.",
    "Die Benutzer können den Dienst über eine Schnittstelle aufrufen.",
    "Ich weiß nicht, wo er ist.",
    "Es ist ein wichtiger Schritt für das Projekt.",
  ],
  es: [
    "Entrenamos un nuevo modelo con los datos limpios.",
    "El tiempo en Madrid es muy bueno hoy.",
    "Por favor, envíe el informe antes del lunes.",
    "Los usuarios pueden llamar al servicio con una clave.",
    "¿Dónde está la estación de tren?",
    "Es un paso importante para el proyecto.",
  ],
  ja: [
    "私たちは新しいモデルを訓練しました。",
    "今日は東京の天気がとても良いです。",
    "月曜日までに報告書を提出してください。",
    "このデータセットには十万件のレビューが含まれています。",
    "ありがとうございます。",
    "機械学習ではデータの前処理が重要です。",
  ],
  ko: [
    "우리는 새로운 모델을 훈련했습니다.",
    "오늘 서울의 날씨가 매우 좋습니다.",
    "월요일까지 보고서를 제출해 주세요.",
    "감사합니다.",
    "이 데이터셋에는 십만 개의 리뷰가 있습니다.",
    "기계 학습에서 데이터 정제는 중요합니다.",
  ],
  ru: [
    "Мы обучили новую модель на очищенных данных.",
    "Сегодня в Москве очень хорошая погода.",
    "Пожалуйста, отправьте отчёт до понедельника.",
    "Спасибо за помощь!",
    "Это важный шаг для проекта.",
    "Пользователи могут вызвать сервис через API.",
  ],
};

function corpusSample(file: string, n: number, seed: number, minLength: number): string[] {
  const lines = readFileSync(path.join(REPO, "data/corpora", file), "utf8")
    .split("\n")
    .filter((l) => l.trim().length >= minLength);
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => lines[Math.floor(rand() * lines.length)]!);
}

describe("detectLanguage", () => {
  it("identifies zh and en (and six other languages) on a labelled set", () => {
    const labelled: Array<[string, string]> = [];
    for (const [lang, texts] of Object.entries(HAND)) for (const t of texts) labelled.push([lang, t]);
    for (const t of corpusSample("tang-poems.txt", 100, 1, 5)) labelled.push(["zh", t]);
    for (const t of corpusSample("kjv-genesis.txt", 100, 2, 20)) labelled.push(["en", t]);
    const perLang: Record<string, { right: number; total: number }> = {};
    const wrong: string[] = [];
    for (const [lang, text] of labelled) {
      const guess = detectLanguage(text);
      perLang[lang] ??= { right: 0, total: 0 };
      const entry = perLang[lang];
      entry.total++;
      if (guess.lang === lang) entry.right++;
      else wrong.push(`${lang}→${guess.lang}: ${text}`);
    }
    const accuracy = Object.fromEntries(Object.entries(perLang).map(([l, e]) => [l, e.right / e.total]));
    const overall = labelled.length - wrong.length;
    console.log(`language id: ${overall}/${labelled.length} right`, JSON.stringify(accuracy), wrong);
    expect(accuracy.zh).toBe(1);
    expect(accuracy.en).toBeGreaterThanOrEqual(0.98);
    expect(overall / labelled.length).toBeGreaterThanOrEqual(0.97);
  });

  it("says und for text without letters and gives confidences in [0, 1]", () => {
    expect(detectLanguage("")).toEqual({ lang: "und", confidence: 0 });
    expect(detectLanguage("12345 !!! ...").lang).toBe("und");
    const zh = detectLanguage("这是一个测试");
    expect(zh.lang).toBe("zh");
    expect(zh.confidence).toBeGreaterThan(0.9);
    const weak = detectLanguage("Buy cheap watches");
    expect(weak.lang).toBe("en");
    expect(weak.confidence).toBeLessThan(0.5);
  });

  it("tells CJK text from space-separated text", () => {
    expect(isMostlyCjk("我们使用 Python 训练模型")).toBe(true);
    expect(isMostlyCjk("The word 你好 means hello")).toBe(false);
    expect(isMostlyCjk("")).toBe(false);
  });
});
