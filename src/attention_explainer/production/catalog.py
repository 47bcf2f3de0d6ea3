"""TEMPORARY re-export of config/catalog.py (the scene catalog is plain data below config), kept
only for production/render.py and narration/voice_server.py until their owners' splits land;
removed at that merge. New code imports attention_explainer.config.catalog."""

from attention_explainer.config.catalog import DEFAULT_SCENE_IDS, SCENES, SceneInfo, scene_by_id, scene_ids

__all__ = ["DEFAULT_SCENE_IDS", "SCENES", "SceneInfo", "scene_by_id", "scene_ids"]
