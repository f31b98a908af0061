"""Fixed demo catalog: the shop, its products, names for people, and marketing campaigns.

The shop sells outdoor gear. Every domain uses the reserved ``.example`` top-level
domain or ``example.com/.org/.net``, and every phone number is in the 555-01xx range
reserved for fiction, so no generated identifier belongs to a real person or site.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from orchestration.demo.formats import Window

SHOP_URL = "https://shop.rightpath.example"
SUPPORT_EMAIL = "support@rightpath.example"
SUPPORT_HANDLE = "RightpathShopCare"
GOOGLE_ADS_CUSTOMER_ID = "7013958241"
FACEBOOK_ACCOUNT_ID = "1794402265117052"
STORE_LOCATION = "Rightpath Flagship Portland"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    slug: str
    price_cents: int
    vendor: str


PRODUCTS: tuple[Product, ...] = (
    Product("TR-SHOE-M42", "Trail Runner Shoe", "trail-runner-shoe", 12900, "Ridgeline"),
    Product("MS-SOCK-3PK", "Merino Hiking Socks 3-Pack", "merino-hiking-socks", 3400, "Woolpath"),
    Product("DP-22L-GRN", "Ultralight Daypack 22L", "ultralight-daypack-22l", 8900, "Ridgeline"),
    Product("TP-CARB-PR", "Carbon Trekking Poles (pair)", "carbon-trekking-poles", 11900, "Summit"),
    Product("WB-INS-750", "Insulated Water Bottle 750ml", "insulated-bottle", 3200, "Brookside"),
    Product("RJ-SHELL-L", "Rain Shell Jacket", "rain-shell-jacket", 18900, "Summit"),
    Product("HL-400-USB", "Headlamp 400 Lumen", "headlamp-400", 4500, "Brookside"),
    Product("CM-TI-450", "Titanium Camp Mug", "titanium-camp-mug", 2900, "Woolpath"),
    Product("SB-DOWN-20", "Down Sleeping Bag 20F", "down-sleeping-bag", 27900, "Summit"),
    Product("GL-TOUCH-M", "Touchscreen Fleece Gloves", "fleece-gloves", 3900, "Woolpath"),
)

FIRST_NAMES: tuple[str, ...] = (
    "Maya", "Liam", "Ava", "Noah", "Zoe", "Ethan", "Nora", "Caleb", "Ivy", "Owen",
    "Lena", "Mateo", "Ruby", "Isaac", "Aria", "Felix", "Hazel", "Jonah", "Clara", "Theo",
    "Priya", "Diego", "Mei", "Omar", "Sofia", "Kenji", "Amara", "Lucas", "Elena", "Ravi",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Lee", "Patel", "Garcia", "Nguyen", "Smith", "Okafor", "Kim", "Rossi", "Muller", "Silva",
    "Cohen", "Haddad", "Novak", "Larsen", "Tanaka", "Brooks", "Reyes", "Moreau", "Walsh", "Khan",
)  # fmt: skip
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")


@dataclass(frozen=True)
class AdCampaign:
    """A paid campaign. ``name`` is also the ``utm_campaign`` value on its landing URLs."""

    platform: str  # google_ads | facebook_ads
    campaign_id: str
    name: str
    channel_type: str  # Google Ads advertising_channel_type, empty for Facebook
    utm_source: str
    utm_medium: str
    start_date: date
    end_date: date  # last day with spend, inclusive
    cost_per_click_cents: int
    click_through_rate: float

    def is_active(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True)
class EmailCampaign:
    """An email blast. ``name`` is Iterable's ``campaignName`` and the link ``utm_campaign``."""

    campaign_id: int
    template_id: int
    name: str
    subject: str
    send_date: date


def build_ad_campaigns(window: Window) -> list[AdCampaign]:
    """Return the paid campaigns, with start and end dates placed relative to the window."""
    start, end = window.start_date, window.end_date
    # A holiday campaign launches for the last 30 days, and display remarketing is
    # paused after 60 % of the window, so spend and history rows change over time.
    late_start = max(start, end - timedelta(days=29))
    early_stop = start + timedelta(days=max(0, int(window.days * 0.6) - 1))
    year = end.year
    return [
        AdCampaign("google_ads", "20418836101", "brand_search_us", "SEARCH",
                   "google", "cpc", start, end, 110, 0.09),
        AdCampaign("google_ads", "20418836102", "nonbrand_hiking_gear", "SEARCH",
                   "google", "cpc", start, end, 240, 0.035),
        AdCampaign("google_ads", "20418836103", "shopping_all_products", "SHOPPING",
                   "google", "cpc", start, end, 90, 0.012),
        AdCampaign("google_ads", "20418836104", f"pmax_holiday_{year}", "PERFORMANCE_MAX",
                   "google", "cpc", late_start, end, 150, 0.008),
        AdCampaign("google_ads", "20418836105", "display_remarketing", "DISPLAY",
                   "google", "display", start, early_stop, 70, 0.004),
        AdCampaign("facebook_ads", "23851172640001", "fb_prospecting_outdoor", "",
                   "facebook", "paid_social", start, end, 120, 0.011),
        AdCampaign("facebook_ads", "23851172640002", "fb_retargeting_cart", "",
                   "facebook", "paid_social", start, end, 90, 0.018),
        AdCampaign("facebook_ads", "23851172640003", f"ig_gift_guide_{year}", "",
                   "instagram", "paid_social", late_start, end, 140, 0.009),
    ]  # fmt: skip


def build_email_campaigns(window: Window) -> list[EmailCampaign]:
    """Return a newsletter every Tuesday and a promotion every third Thursday in the window."""
    campaigns: list[EmailCampaign] = []
    thursday_count = 0
    for day in window.dates():
        if day.weekday() == 1:
            name = f"newsletter_{day:%Y_%m_%d}"
            subject = f"Trail notes for the week of {day.isoformat()}"
        elif day.weekday() == 3:
            thursday_count += 1
            if thursday_count % 3 != 1:
                continue
            name = f"promo_{day:%Y_%m_%d}"
            subject = "Up to 30% off trail essentials this weekend"
        else:
            continue
        index = len(campaigns)
        campaigns.append(
            EmailCampaign(
                campaign_id=481200 + index * 17,
                template_id=962000 + index * 11,
                name=name,
                subject=subject,
                send_date=day,
            )
        )
    return campaigns
