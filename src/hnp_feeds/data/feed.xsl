<?xml version="1.0" encoding="UTF-8"?>
<!-- hnp-feeds: an Atom or RSS feed opened in a browser, shown as a page for people
     (the feeds point here with <?xml-stylesheet type="text/xsl" href="../feed.xsl"?>).
     XSLT 1.0; readers never fetch it.  Vietnamese: what a feed is, its URL with a copy
     button, how to subscribe, then its entries. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="no"
      doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="string(/atom:feed/atom:title | /rss/channel/title)"/>
  <xsl:variable name="description"
      select="string(/atom:feed/atom:subtitle | /rss/channel/description)"/>
  <xsl:variable name="self"
      select="string(/atom:feed/atom:link[@rel='self']/@href
                     | /rss/channel/atom:link[@rel='self']/@href)"/>
  <xsl:variable name="home"
      select="string(/atom:feed/atom:link[@rel='alternate']/@href | /rss/channel/link)"/>
  <xsl:variable name="format">
    <xsl:choose>
      <xsl:when test="/atom:feed">Atom</xsl:when>
      <xsl:otherwise>RSS</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="vi">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> – nguồn tin <xsl:value-of select="$format"/></title>
        <link rel="icon" href="data:,"/>
        <style>
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#1c2430;--muted:#5b6675;
--line:#dde2e8;--accent:#b3261e;--link:#0b57d0;--code:#f0f2f5}
@media (prefers-color-scheme:dark){:root{--bg:#14181d;--card:#1d232a;--text:#e6e9ed;
--muted:#9aa5b1;--line:#2e3741;--accent:#8f1f19;--link:#8ab4f8;--code:#12161a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.55;font-size:16px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif}
a{color:var(--link)}
.wrap{max-width:52rem;margin:0 auto;padding:0 1rem}
header{background:var(--accent);color:#fff;padding:1.5rem 0 1.25rem}
header h1{margin:0 0 .3rem;font-size:clamp(1.35rem,3vw,1.9rem);line-height:1.25}
header p{margin:.25rem 0}
header a{color:inherit}
section.about{background:var(--card);border:1px solid var(--line);border-radius:.6rem;
padding:1rem 1.1rem;margin:1.25rem 0}
section.about h2,main h2{font-size:1.15rem;margin:0 0 .5rem}
.copy{display:flex;gap:.5rem;flex-wrap:wrap;margin:.6rem 0}
.copy input{flex:1 1 16rem;min-width:0;font:inherit;font-size:.92rem;padding:.4rem .55rem;
border:1px solid var(--line);border-radius:.35rem;background:var(--code);color:var(--text)}
.copy button{font:inherit;font-weight:600;padding:.4rem .9rem;border:0;border-radius:.35rem;
background:var(--accent);color:#fff;cursor:pointer}
ol.steps{margin:.4rem 0 0;padding-left:1.3rem}
ol.entries{list-style:none;margin:0;padding:0}
ol.entries li{background:var(--card);border:1px solid var(--line);border-radius:.6rem;
padding:.8rem 1rem;margin:0 0 .75rem;overflow-wrap:anywhere}
ol.entries h3{margin:0;font-size:1.05rem;line-height:1.35}
ol.entries h3 a{text-decoration:none}
ol.entries p{margin:.35rem 0 0}
.meta{color:var(--muted);font-size:.85rem}
footer{color:var(--muted);font-size:.88rem;padding:1rem 0 2rem}
        </style>
      </head>
      <body>
        <header>
          <div class="wrap">
            <p>Nguồn tin <xsl:value-of select="$format"/></p>
            <h1><xsl:value-of select="$title"/></h1>
            <xsl:if test="$description != ''">
              <p><xsl:value-of select="$description"/></p>
            </xsl:if>
          </div>
        </header>
        <main class="wrap">
          <section class="about" aria-labelledby="about-title">
            <h2 id="about-title">Đây là một nguồn tin</h2>
            <p>Trang này là nguồn tin (<xsl:value-of select="$format"/>): ứng dụng đọc tin
              dùng nó để báo cho bạn mỗi khi có bài mới, không cần vào trang web. Hãy sao chép
              đường dẫn dưới đây và dán vào ứng dụng đọc tin của bạn.</p>
            <div class="copy">
              <input id="feed-url" type="text" readonly="readonly" value="{$self}"
                  aria-label="Đường dẫn của nguồn tin"/>
              <button type="button" id="copy-button">Sao chép đường dẫn</button>
            </div>
            <p id="copy-status" class="meta" role="status"></p>
            <h2>Cách đăng ký</h2>
            <ol class="steps">
              <li>Mở ứng dụng đọc tin (Feedly, Inoreader, NetNewsWire, Thunderbird…).</li>
              <li>Chọn “Thêm nguồn tin” (Add feed, Subscribe).</li>
              <li>Dán đường dẫn vừa sao chép và xác nhận.</li>
            </ol>
            <p class="meta">Xem <a href="../index.html">tất cả nguồn tin</a>
              <xsl:if test="$home != ''"> hoặc về <a href="{$home}">trang chủ</a></xsl:if>.</p>
          </section>
          <h2>Bài mới nhất</h2>
          <xsl:choose>
            <xsl:when test="/atom:feed/atom:entry | /rss/channel/item">
              <ol class="entries">
                <xsl:apply-templates select="/atom:feed/atom:entry | /rss/channel/item"/>
              </ol>
            </xsl:when>
            <xsl:otherwise>
              <p class="meta">Chưa có bài viết.</p>
            </xsl:otherwise>
          </xsl:choose>
        </main>
        <footer class="wrap">
          <p>Mỗi nguồn tin có ba định dạng, cùng các bài như nhau: Atom và RSS cho mọi ứng
            dụng đọc tin, JSON Feed cho các ứng dụng hỗ trợ định dạng này.</p>
        </footer>
        <script>
document.getElementById("copy-button").addEventListener("click", function () {
  var field = document.getElementById("feed-url");
  var status = document.getElementById("copy-status");
  function done() { status.textContent = "Đã sao chép đường dẫn."; }
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(done, function () {
      status.textContent = "Hãy nhấn Ctrl+C (⌘C) để sao chép.";
    });
  } else {
    document.execCommand("copy");
    done();
  }
});
        </script>
      </body>
    </html>
  </xsl:template>

  <!-- An entry: its title and link, time, summary, categories. -->
  <xsl:template match="atom:entry | item">
    <xsl:variable name="link"
        select="string(atom:link[@rel='alternate' or not(@rel)][1]/@href | link)"/>
    <li>
      <h3>
        <xsl:choose>
          <xsl:when test="$link != ''">
            <a href="{$link}"><xsl:value-of select="atom:title | title"/></a>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="atom:title | title"/></xsl:otherwise>
        </xsl:choose>
      </h3>
      <p class="meta">
        <xsl:choose>
          <xsl:when test="atom:published">
            <xsl:call-template name="rfc3339">
              <xsl:with-param name="value" select="string(atom:published)"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="atom:updated">
            <xsl:call-template name="rfc3339">
              <xsl:with-param name="value" select="string(atom:updated)"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="pubDate">
            <xsl:call-template name="rfc822">
              <xsl:with-param name="value" select="normalize-space(pubDate)"/>
            </xsl:call-template>
          </xsl:when>
        </xsl:choose>
        <xsl:for-each select="atom:category | category">
          <xsl:text> · </xsl:text>
          <xsl:choose>
            <xsl:when test="@label"><xsl:value-of select="@label"/></xsl:when>
            <xsl:when test="@term"><xsl:value-of select="@term"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
          </xsl:choose>
        </xsl:for-each>
      </p>
      <xsl:if test="atom:summary | description">
        <p><xsl:value-of select="atom:summary | description"/></p>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- 2022-06-17T20:22:00+07:00 -> 20:22 17/06/2022, the site's own form. -->
  <xsl:template name="rfc3339">
    <xsl:param name="value"/>
    <time datetime="{$value}">
      <xsl:value-of select="concat(substring($value, 12, 5), ' ', substring($value, 9, 2), '/',
                                   substring($value, 6, 2), '/', substring($value, 1, 4))"/>
    </time>
  </xsl:template>

  <!-- Fri, 17 Jun 2022 20:22:00 +0700 -> 20:22 17/06/2022. -->
  <xsl:template name="rfc822">
    <xsl:param name="value"/>
    <xsl:variable name="month"
        select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec',
                                               substring($value, 9, 3))) div 3 + 1"/>
    <time>
      <xsl:value-of select="concat(substring($value, 18, 5), ' ', substring($value, 6, 2), '/',
                                   format-number($month, '00'), '/', substring($value, 13, 4))"/>
    </time>
  </xsl:template>
</xsl:stylesheet>
