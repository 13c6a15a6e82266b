<?php
// Read feed files with SimplePie (Debian's libphp-simplepie) and print, as JSON, what it
// understood of every entry: the fields tests/clients/fidelity.py compares with the records.
//
//   php tests/clients/simplepie_dump.php feeds/tin-moi/atom.xml feeds/tin-moi/rss.xml ...

error_reporting(E_ALL & ~E_DEPRECATED & ~E_STRICT & ~E_NOTICE & ~E_WARNING);
date_default_timezone_set('UTC');
require '/usr/share/php/simplepie/autoloader.php';

// Debian 12 ships SimplePie 1.3.1, written for PHP 5, and its date parser dies on PHP 8
// twice: the constructor calls implode() with the arguments in the old order, and
// date_w3cdtf() divides the empty "fraction of a second" string by a number.  This
// subclass fixes those two spots only; the date parsing itself is SimplePie's own.
class Hnp_Parse_Date extends SimplePie_Parse_Date
{
    public function __construct()
    {
        $this->day_pcre = '(' . implode('|', array_keys($this->day)) . ')';
        $this->month_pcre = '(' . implode('|', array_keys($this->month)) . ')';
        foreach (get_class_methods($this) as $method) {
            if (strtolower(substr($method, 0, 5)) === 'date_') {
                $this->built_in[] = $method;
            }
        }
    }

    public function date_w3cdtf($date)
    {
        // "2022-06-17T20:22:00+07:00" -> "2022-06-17T20:22:00.0+07:00": same instant,
        // and the fraction SimplePie divides is no longer an empty string.
        $date = preg_replace('/(T\d{2}:\d{2}:\d{2})(?=[Zz+\-]|$)/', '$1.0', (string) $date);
        return parent::date_w3cdtf($date);
    }

    public static function get()
    {
        static $object;
        if (!$object) {
            $object = new Hnp_Parse_Date();
        }
        return $object;
    }
}

$files = array();
foreach (array_slice($argv, 1) as $path) {
    $feed = new SimplePie();
    $feed->get_registry()->register('Parse_Date', 'Hnp_Parse_Date');
    $feed->set_raw_data(file_get_contents($path));
    $feed->enable_cache(false);
    $feed->enable_order_by_date(false);
    $ok = $feed->init();
    $items = array();
    foreach ((array) $feed->get_items() as $item) {
        $categories = array();
        foreach ((array) $item->get_categories() as $category) {
            $categories[] = array('term' => $category->get_term(), 'label' => $category->get_label());
        }
        $author = $item->get_author();
        $items[] = array(
            'id' => $item->get_id(false),
            'title' => $item->get_title(),
            'published' => (int) $item->get_date('U'),
            'updated' => (int) $item->get_updated_date('U'),
            'link' => $item->get_permalink(),
            'related' => array_values((array) $item->get_links('related')),
            'author' => $author ? $author->get_name() : null,
            'categories' => $categories,
        );
    }
    $files[$path] = array(
        'ok' => (bool) $ok,
        'error' => $feed->error(),
        'title' => $feed->get_title(),
        'image' => $feed->get_image_url(),
        'copyright' => $feed->get_copyright(),
        'items' => $items,
    );
}
echo json_encode($files, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT), "\n";
