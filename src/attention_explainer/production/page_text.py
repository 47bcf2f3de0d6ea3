"""Text beside the video for course pages, and the lesson page's words in each language.

    transcript_text   <name>.transcript.txt   each narration line with its start time
    chapters_vtt      <name>.chapters.vtt     the chapters as WebVTT (a <track kind="chapters">)
    ui_strings        the page's own words (buttons, headings, hints) in the lesson's language
"""

from __future__ import annotations

from typing import Iterable, Sequence

from attention_explainer.narration.captions import timestamp
from attention_explainer.narration.chapters import Chapter, clock


def transcript_text(lines: Iterable[tuple[float, str]]) -> str:
    """'0:00  First line.' per (start seconds, text): a plain transcript with its times."""
    return "".join(f"{clock(start)}  {' '.join(text.split())}\n" for start, text in lines)


def chapters_vtt(chapters: Sequence[Chapter]) -> str:
    """The chapters as a WebVTT file: one cue per chapter, its title as the cue text."""
    blocks = ["WEBVTT"]
    for n, ch in enumerate(chapters, start=1):
        title = ch.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        blocks.append(f"chapter-{n}\n{timestamp(ch.start, '.')} --> {timestamp(ch.end, '.')}\n{title}")
    return "\n\n".join(blocks) + "\n"


# The page's own words. Keys: the page's parts; every language has every key (a test checks).
_KEYS = ("title", "chapters", "transcript", "numbers", "present", "present_off", "notes", "now", "next",
         "mute", "fullscreen", "rows_cols", "worked_row", "heads", "hint", "keys_help", "weight", "sum",
         "seek_row", "end")
_TABLE: dict[str, tuple[str, ...]] = {
    "en": ("Lesson", "Chapters", "Transcript", "The numbers", "Present", "Stop presenting", "Notes",
           "Now", "Next", "Mute voice", "Fullscreen", "rows = queries, columns = keys", "The worked softmax row",
           "Heads of the real model", "Hover or focus a cell for its value; click it to see where the video "
           "explains its row.", "→ Space PageDown: next beat · ← PageUp: back · M: mute · F: fullscreen",
           "weight", "sum", "Play from where this row is explained", "End of the lesson"),
    "es": ("Lección", "Capítulos", "Transcripción", "Los números", "Presentar", "Dejar de presentar", "Notas",
           "Ahora", "Después", "Silenciar la voz", "Pantalla completa", "filas = consultas, columnas = claves",
           "La fila de softmax paso a paso", "Cabezas del modelo real", "Pase el ratón o enfoque una celda para "
           "ver su valor; haga clic para ver dónde lo explica el vídeo.", "→ Espacio AvPág: siguiente · ← RePág: "
           "atrás · M: silencio · F: pantalla completa", "peso", "suma", "Reproducir donde se explica esta fila",
           "Fin de la lección"),
    "fr": ("Leçon", "Chapitres", "Transcription", "Les nombres", "Présenter", "Arrêter la présentation", "Notes",
           "Maintenant", "Ensuite", "Couper la voix", "Plein écran", "lignes = requêtes, colonnes = clés",
           "La ligne de softmax détaillée", "Têtes du vrai modèle", "Survolez ou sélectionnez une case pour sa "
           "valeur ; cliquez pour voir où la vidéo explique sa ligne.", "→ Espace PgSuiv : suivant · ← PgPréc : "
           "retour · M : muet · F : plein écran", "poids", "somme", "Lire là où cette ligne est expliquée",
           "Fin de la leçon"),
    "de": ("Lektion", "Kapitel", "Transkript", "Die Zahlen", "Präsentieren", "Präsentation beenden", "Notizen",
           "Jetzt", "Als Nächstes", "Stimme stumm", "Vollbild", "Zeilen = Queries, Spalten = Keys",
           "Die Softmax-Zeile Schritt für Schritt", "Köpfe des echten Modells", "Zeigen oder fokussieren Sie "
           "eine Zelle für ihren Wert; klicken Sie, um zu sehen, wo das Video ihre Zeile erklärt.", "→ Leertaste "
           "Bild ab: weiter · ← Bild auf: zurück · M: stumm · F: Vollbild", "Gewicht", "Summe",
           "Dort abspielen, wo diese Zeile erklärt wird", "Ende der Lektion"),
    "it": ("Lezione", "Capitoli", "Trascrizione", "I numeri", "Presenta", "Termina presentazione", "Note", "Ora",
           "Dopo", "Disattiva voce", "Schermo intero", "righe = query, colonne = chiavi",
           "La riga di softmax passo passo", "Teste del modello reale", "Passa sopra o seleziona una cella per il "
           "suo valore; clicca per vedere dove il video spiega la sua riga.", "→ Spazio PagGiù: avanti · ← PagSu: "
           "indietro · M: muto · F: schermo intero", "peso", "somma", "Riproduci dove si spiega questa riga",
           "Fine della lezione"),
    "pt-BR": ("Aula", "Capítulos", "Transcrição", "Os números", "Apresentar", "Parar apresentação", "Notas",
              "Agora", "Depois", "Silenciar voz", "Tela cheia", "linhas = consultas, colunas = chaves",
              "A linha de softmax passo a passo", "Cabeças do modelo real", "Passe o mouse ou foque uma célula "
              "para ver seu valor; clique para ver onde o vídeo explica a linha.", "→ Espaço PgDn: próximo · ← "
              "PgUp: voltar · M: mudo · F: tela cheia", "peso", "soma", "Tocar onde esta linha é explicada",
              "Fim da aula"),
    "hi": ("पाठ", "अध्याय", "प्रतिलेख", "संख्याएँ", "प्रस्तुत करें", "प्रस्तुति बंद करें", "नोट्स", "अभी", "आगे",
           "आवाज़ बंद", "पूर्ण स्क्रीन", "पंक्तियाँ = क्वेरी, स्तंभ = कुंजियाँ", "सॉफ्टमैक्स की हल की गई पंक्ति",
           "असली मॉडल के हेड", "किसी सेल का मान देखने के लिए उस पर जाएँ; वीडियो में उसकी पंक्ति देखने के लिए क्लिक करें।",
           "→ Space PageDown: अगला · ← PageUp: पिछला · M: म्यूट · F: पूर्ण स्क्रीन", "भार", "योग",
           "जहाँ यह पंक्ति समझाई गई है वहाँ से चलाएँ", "पाठ समाप्त"),
    "zh": ("课程", "章节", "文字稿", "数字", "演示", "停止演示", "备注", "当前", "下一句", "关闭语音", "全屏",
           "行 = 查询，列 = 键", "逐步计算的 softmax 行", "真实模型的注意力头", "悬停或聚焦单元格查看数值；点击跳到视频讲解该行的位置。",
           "→ 空格 PageDown：下一步 · ← PageUp：上一步 · M：静音 · F：全屏", "权重", "总和", "从讲解这一行的地方播放",
           "课程结束"),
    "ja": ("レッスン", "チャプター", "文字起こし", "数値", "プレゼン", "プレゼン終了", "ノート", "現在", "次", "音声をミュート",
           "全画面", "行 = クエリ、列 = キー", "softmax の計算例の行", "実際のモデルのヘッド",
           "セルにカーソルを合わせると値を表示、クリックするとその行を説明する場面へ移動します。",
           "→ Space PageDown：次へ · ← PageUp：戻る · M：ミュート · F：全画面", "重み", "合計", "この行の説明から再生",
           "レッスン終了"),
}
UI_STRINGS: dict[str, dict[str, str]] = {lang: dict(zip(_KEYS, words, strict=True)) for lang, words in _TABLE.items()}


def ui_strings(language: str | None) -> dict[str, str]:
    """The page's words in `language` (its base language when only that exists, else English)."""
    code = language or "en"
    return UI_STRINGS.get(code) or UI_STRINGS.get(code.split("-")[0]) or UI_STRINGS["en"]
